{-# LANGUAGE OverloadedStrings #-}
-- | The child side of bench/harness/child.ts's protocol: commands as JSON lines on stdin,
-- answers as JSON lines on stdout (bench/harness/ts-loop.ts is the TypeScript side).
module Protocol
  ( reply
  , serveCommands
  , socketPath
  ) where

import Control.Exception (SomeException, displayException, try)
import qualified Data.Aeson as A
import qualified Data.ByteString.Char8 as B8
import qualified Data.ByteString.Lazy.Char8 as BL
import System.Directory (getTemporaryDirectory)
import System.IO (hFlush, hIsEOF, stdin, stdout)
import System.Posix.Process (getProcessID)

reply :: A.Value -> IO ()
reply v = BL.putStrLn (A.encode v) >> hFlush stdout

-- | Answers each command line until stdin closes; a failure is answered {"error": ...}.
serveCommands :: (A.Value -> IO A.Value) -> IO ()
serveCommands handle = loop
  where
    loop = do
      eof <- hIsEOF stdin
      if eof
        then pure ()
        else do
          line <- B8.hGetLine stdin
          r <- try (maybe (fail ("not JSON: " <> B8.unpack line)) handle (A.decodeStrict' line))
          reply (either (\e -> A.object ["error" A..= displayException (e :: SomeException)]) id r)
          loop

-- | A fresh unix socket path in TMPDIR (bench/run.sh gives each run its own and removes it).
socketPath :: String -> IO FilePath
socketPath name = do
  tmp <- getTemporaryDirectory
  pid <- getProcessID
  pure (tmp <> "/hs-" <> show pid <> "-" <> name <> ".sock")
