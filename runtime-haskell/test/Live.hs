{-# LANGUAGE OverloadedStrings #-}
-- | What the live tests share: a node hosting interop.conformance on a unix socket in a fresh
-- directory (removed afterwards), a client node connected to it, and handlers that record what
-- happened to them.
module Live
  ( Observed (..)
  , withTempDir
  , withServer
  , withClient
  , serverConfig
  ) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.STM
import Control.Exception
import Data.IORef
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Conformance
import Interop.Runtime
import System.Directory (createDirectory, getTemporaryDirectory, removeDirectoryRecursive)
import System.FilePath ((</>))
import System.IO.Unsafe (unsafePerformIO)
import System.Posix.Process (getProcessID)

-- | What the server's handlers saw.
data Observed = Observed
  { slowStarted :: TVar Int
  , slowInterrupted :: TVar Int
  }

counter :: IORef Int
counter = unsafePerformIO (newIORef 0)
{-# NOINLINE counter #-}

withTempDir :: (FilePath -> IO a) -> IO a
withTempDir use = do
  tmp <- getTemporaryDirectory
  pid <- getProcessID
  n <- atomicModifyIORef' counter (\i -> (i + 1, i))
  let dir = tmp </> ("interop-hs-test-" <> show pid <> "-" <> show n)
  bracket_ (createDirectory dir) (removeDirectoryRecursive dir) (use dir)

serverConfig :: Text -> [(Text, Doc)] -> Doc
serverConfig address limits =
  DObj [("node", DStr "test-server"), ("listen", DArr [DStr address]), ("limits", DObj limits)]

-- | A node serving interop.conformance at unix:<dir>/s.sock with the given limits.
withServer :: [(Text, Doc)] -> (Text -> Node -> Observed -> IO a) -> IO a
withServer limits use = withTempDir $ \dir -> do
  obs <- Observed <$> newTVarIO 0 <*> newTVarIO 0
  count <- newIORef 0
  let address = "unix:" <> T.pack (dir </> "s.sock")
      handlers =
        conformanceHandlers
          { handleEchoString = \v _ -> pure v
          , handleEchoBytes = \v _ -> pure v
          , handleEchoI32 = \v _ -> pure v
          , handleAdd = \a b _ -> pure (a + b)
          , handleFail = \kind _ -> case kind of
              "not_found" -> throwIO (NotFound "missing")
              "internal" -> ioError (userError "boom")
              _ -> pure kind
          , handleSlow = \ms _ -> do
              atomically (modifyTVar' (slowStarted obs) (+ 1))
              (threadDelay (fromIntegral ms * 1000) >> pure ms) `onException` atomically (modifyTVar' (slowInterrupted obs) (+ 1))
          , handleNextCount = \_ -> atomicModifyIORef' count (\n -> (n + 1, n + 1))
          }
  bracket
    (startNode defaultNodeOptions {nodeServices = [conformanceService handlers], nodeModules = [conformanceModule], nodeConfig = Just (serverConfig address limits)})
    (\n -> closeNode n 200)
    (\n -> use address n obs)

-- | A node reaching interop.conformance at @address@ in @codec@.
withClient :: Text -> Text -> (Node -> IO a) -> IO a
withClient address codec =
  bracket
    (startNode defaultNodeOptions
      { nodeModules = [conformanceModule]
      , nodeConfig = Just (DObj [("node", DStr "test-client"), ("connect", DArr [DObj [("address", DStr address), ("codec", DStr codec), ("modules", DArr [DStr "interop.conformance"])]])])
      })
    (\n -> closeNode n 200)
