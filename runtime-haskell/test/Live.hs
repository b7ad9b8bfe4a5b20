{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | What the live tests share: a node hosting interop.conformance on a unix socket in a fresh
-- directory (removed afterwards), a client node connected to it, and handlers that record what
-- happened to them.
module Live
  ( Observed (..)
  , withTempDir
  , withServer
  , withServerOn
  , withClient
  , serverConfig
  , health
  , counter
  , expectError
  , waitFor
  , waitForIO
  , race'
  ) where

import Control.Concurrent (forkIO, killThread, threadDelay)
import Control.Concurrent.STM
import Control.Exception
import Data.Maybe (fromMaybe)
import Control.Monad (forever)
import qualified Data.ByteString as BS
import Data.IORef
import Data.Word (Word32)
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.Codec (codecFromNumber)
import Interop.Runtime.Envelope (Envelope (..), decodeEnvelope)
import Interop.Runtime.Frame
import RawPeer
import Test.Tasty.HUnit
import System.Directory (createDirectory, getTemporaryDirectory, removeDirectoryRecursive)
import System.FilePath ((</>))
import System.IO.Unsafe (unsafePerformIO)
import System.Posix.Process (getProcessID)

-- | What the server's handlers saw.
data Observed = Observed
  { slowStarted :: TVar Int
  , slowInterrupted :: TVar Int
  , streamsInterrupted :: TVar Int -- ^ stream handlers interrupted (cancelled)
  , floodProduced :: TVar Int
  }

dirCounter :: IORef Int
dirCounter = unsafePerformIO (newIORef 0)
{-# NOINLINE dirCounter #-}

withTempDir :: (FilePath -> IO a) -> IO a
withTempDir use = do
  tmp <- getTemporaryDirectory
  pid <- getProcessID
  n <- atomicModifyIORef' dirCounter (\i -> (i + 1, i))
  let dir = tmp </> ("interop-hs-test-" <> show pid <> "-" <> show n)
  bracket_ (createDirectory dir) (removeDirectoryRecursive dir) (use dir)

serverConfig :: Text -> [(Text, Doc)] -> Doc
serverConfig address limits =
  DObj [("node", DStr "test-server"), ("listen", DArr [DStr address]), ("limits", DObj limits)]

-- | A node serving interop.conformance at unix:<dir>/s.sock with the given limits.
withServer :: [(Text, Doc)] -> (Text -> Node -> Observed -> IO a) -> IO a
withServer = withServerOn "unix"

-- | The same at <scheme>:<dir>/s.sock ("unix" or "shm").
withServerOn :: Text -> [(Text, Doc)] -> (Text -> Node -> Observed -> IO a) -> IO a
withServerOn scheme limits use = withTempDir $ \dir -> do
  obs <- Observed <$> newTVarIO 0 <*> newTVarIO 0 <*> newTVarIO 0 <*> newTVarIO 0
  count <- newIORef 0
  let address = scheme <> ":" <> T.pack (dir </> "s.sock")
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
          , handleUpload = \chunks _ -> sum . map (fromIntegral . BS.length) <$> itemsToList chunks
          , handleDownload = \sizes out _ -> mapM_ (\n -> emit out (BS.replicate (fromIntegral n) 7)) sizes
          , handlePingPong = \lines' out _ -> forItems_ lines' (\line -> emit out ("pong " <> line))
          , handleTickStream = \n end out _ -> noticed $ do
              mapM_ (\i -> emit out (Tick i "")) [1 .. n]
              case end of
                "busy" -> throwIO (Busy n)
                "hang" -> forever (threadDelay 1000000)
                _ -> pure ()
          , handleFlood = \size total out _ -> noticed $ do
              let go sent
                    | sent >= total = pure ()
                    | otherwise = atomically (modifyTVar' (floodProduced obs) (+ 1)) >> emit out (BS.replicate (fromIntegral size) 1) >> go (sent + fromIntegral size)
              go 0
          }
      noticed act = act `catch` \(e :: SomeAsyncException) -> atomically (modifyTVar' (streamsInterrupted obs) (+ 1)) >> throwIO e
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

health :: Node -> IO Doc
health = nodeHealth

counter :: Text -> Doc -> Maybe Integer
counter name (DObj kvs) | Just (DObj cs) <- lookup "counters" kvs, Just (DInt n) <- lookup name cs = Just n
counter _ _ = Nothing

expectError :: RawPeer -> Word32 -> ErrorCode -> Assertion
expectError p cid code = do
  r <- rawNext p 3000
  case r of
    Got f -> do
      (frameKind f, frameCorrelation f) @?= (ErrorFrame, cid)
      let codec = fromMaybe CodecJson (codecFromNumber (frameCodec f))
      fmap (ErrorCode . envCode) (decodeEnvelope 64 codec (framePayload f)) @?= Right code
    other -> assertFailure ("expected an ERROR for " <> show cid <> ", got " <> show other)

waitFor :: Int -> STM Bool -> IO Bool
waitFor ms cond = do
  expired <- registerDelay (ms * 1000)
  atomically $ (cond >>= check >> pure True) `orElse` (readTVar expired >>= check >> pure False)

waitForIO :: Int -> IO Bool -> IO Bool
waitForIO ms cond = cond >>= \ok -> if ok || ms <= 0 then pure ok else threadDelay 20000 >> waitForIO (ms - 20) cond

-- | Runs a call while another action runs beside it (which makes the call end); the call's
-- outcome.
race' :: IO a -> IO b -> IO (Either InteropError a)
race' call other = do
  t <- forkIO (() <$ other)
  r <- try call
  killThread t
  pure r
