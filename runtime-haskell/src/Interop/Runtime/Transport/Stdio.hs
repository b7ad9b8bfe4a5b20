{-# LANGUAGE OverloadedStrings #-}
-- | stdio plugins (docs/wire.md §8), both sides: a parent spawning a plugin executable and
-- speaking frames over its stdin/stdout (the plugin's stderr is its log), and a plugin serving
-- on its own stdin/stdout. A plugin stops by GOODBYE, then stdin closed, then SIGTERM after the
-- grace period, then SIGKILL after a second one.
module Interop.Runtime.Transport.Stdio
  ( Plugin (..)
  , spawnPlugin
  , stopPlugin
  , ownStdio
  , handleTransport
  ) where

import Control.Exception
import Control.Monad (void, when)
import qualified Data.ByteString as BS
import Data.IORef
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.Transport (Transport (..))
import System.IO
import GHC.IO.Handle (hDuplicate, hDuplicateTo)
import System.Posix.Signals (sigKILL, signalProcess)
import System.Process
import System.Timeout (timeout)

-- | A transport over a pair of handles (our end of a pipe pair).
handleTransport :: Text -> Handle -> Handle -> IO Transport
handleTransport description input output = do
  hSetBinaryMode input True
  hSetBinaryMode output True
  hSetBuffering output (BlockBuffering (Just 65536))
  closed <- newIORef False
  let close = do
        already <- atomicModifyIORef' closed (\c -> (True, c))
        when (not already) $ do
          void (try (hClose output) :: IO (Either SomeException ()))
          void (try (hClose input) :: IO (Either SomeException ()))
      recv = either (const BS.empty) id <$> (try (BS.hGetSome input 65536) :: IO (Either IOException BS.ByteString))
      send chunks = mapM_ (BS.hPut output) chunks >> hFlush output
  pure (Transport description recv send close)

data Plugin = Plugin
  { pluginTransport :: Transport
  , pluginProcess :: ProcessHandle
  , pluginStdin :: Handle
  }

-- | Starts @command@ (argv, no shell) with stdin and stdout as pipes and stderr inherited.
spawnPlugin :: [String] -> Maybe FilePath -> Maybe [(String, String)] -> IO Plugin
spawnPlugin command cwd env = case command of
  [] -> throwIO (userError "plugin command is empty")
  (exe : args) -> do
    (Just inp, Just out, _, ph) <-
      createProcess (proc exe args) {cwd = cwd, env = env, std_in = CreatePipe, std_out = CreatePipe, std_err = Inherit}
    t <- handleTransport ("stdio:" <> T.pack exe) out inp
    pure (Plugin t ph inp)

-- | Closes the plugin's stdin, then SIGTERM after @graceMs@, then SIGKILL after @graceMs@ more.
stopPlugin :: Int -> Plugin -> IO ()
stopPlugin graceMs p = do
  transportClose (pluginTransport p)
  let wait = timeout (graceMs * 1000) (waitForProcess (pluginProcess p))
  done <- wait
  case done of
    Just _ -> pure ()
    Nothing -> do
      terminateProcess (pluginProcess p)
      done' <- wait
      case done' of
        Just _ -> pure ()
        Nothing -> do
          pid <- getPid (pluginProcess p)
          mapM_ (signalProcess sigKILL) pid
          void (waitForProcess (pluginProcess p))

-- | This process as a plugin: frames on stdin/stdout. From here on anything written to stdout
-- through 'System.IO.stdout' goes to stderr, so a stray print cannot corrupt the stream.
ownStdio :: IO Transport
ownStdio = do
  frames <- hDuplicate stdout
  hDuplicateTo stderr stdout
  handleTransport "stdio:parent" stdin frames
