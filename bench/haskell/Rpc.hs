{-# LANGUAGE OverloadedStrings, PatternSynonyms #-}
-- | Section 2 for Haskell: the server and client children of bench/harness/rtt.ts (our generated
-- stubs and runtime-haskell over a unix socket, or shm), and the raw socket floor: a Haskell ping-pong of
-- the same request bytes, echoed whole, nothing decoded.
module Rpc
  ( server
  , client
  , rawServer
  , rawClient
  ) where

import Bench.Shapes
import Control.Concurrent (forkIO)
import Control.Exception (bracket, finally, throwIO)
import Data.Bits (shiftL)
import Control.Monad (forM, forever, void)
import qualified Data.Aeson as A
import qualified Data.Aeson.Types as AT
import qualified Data.ByteString as BS
import qualified Data.Text as T
import GHC.Clock (getMonotonicTimeNSec)
import Interop.Runtime
import Interop.Runtime.Frame (Frame (..), encodeFrame, frame, pattern Request)
import qualified Network.Socket as N
import qualified Network.Socket.ByteString as NB
import Protocol
import System.Environment (lookupEnv)
import Values

-- | Serves the shapes (echo) until stdin closes, over unix, or shm when BENCH_NET=shm.
server :: IO ()
server = do
  path <- socketPath "rpc"
  net <- maybe "unix" T.pack <$> lookupEnv "BENCH_NET"
  let echo v _ = pure v
      handlers = shapesHandlers {handleEchoSmall = echo, handleEchoNested = echo, handleEchoBlob = echo}
      address = net <> ":" <> T.pack path
      config = DObj [("node", DStr "bench-haskell-server"), ("listen", DArr [DStr address])]
  bracket (startNode defaultNodeOptions {nodeServices = [shapesService handlers], nodeModules = [shapesModule], nodeConfig = Just config}) (`closeNode` 1000) $ \_ -> do
    reply (A.object ["ready" A..= True, "address" A..= address])
    serveCommands (const (fail "a server takes no commands"))

-- | Calls the server at BENCH_ADDRESS (given as an argument here): N sequential calls per batch.
client :: String -> IO ()
client address = do
  let config = DObj [("node", DStr "bench-haskell-client"), ("connect", DArr [DObj [("address", DStr (T.pack address)), ("codec", DStr "msgpack"), ("modules", DArr [DStr "bench.shapes"])]])]
  bracket (startNode defaultNodeOptions {nodeModules = [shapesModule], nodeConfig = Just config}) (`closeNode` 1000) $ \node -> do
    let shapes = shapesClient (nodeInvoker node)
        call s = case s of
          ShapeSmall -> void (echoSmall shapes small)
          ShapeNested -> void (echoNested shapes nested)
          ShapeBlob -> void (echoBlob shapes blob)
    runClient call

-- | Echoes each whole frame a connection sends (as bench/rpc/ts-raw.ts does), until stdin closes.
rawServer :: IO ()
rawServer = do
  path <- socketPath "raw"
  bracket (N.socket N.AF_UNIX N.Stream N.defaultProtocol) N.close $ \s -> do
    N.bind s (N.SockAddrUnix path)
    N.listen s 16
    _ <- forkIO . forever $ do
      (c, _) <- N.accept s
      forkIO (echoFrames c `finally` N.close c)
    reply (A.object ["ready" A..= True, "address" A..= ("unix:" <> path)])
    serveCommands (const (fail "a server takes no commands"))

-- | Reads whole frames (u32 little-endian length, docs/wire.md §1) and writes each back: the
-- client's send of a 1 MiB frame completes before the echo starts, as with a real server.
echoFrames :: N.Socket -> IO ()
echoFrames c = frameFrom BS.empty
  where
    frameFrom pending =
      fill pending 4 >>= maybe (pure ()) (\h -> do
        let total = 4 + sum [fromIntegral (BS.index h i) `shiftL` (8 * i) | i <- [0 .. 3]]
        fill h total >>= maybe (pure ()) (\whole -> do
          let (f, rest) = BS.splitAt total whole
          NB.sendAll c f >> frameFrom rest))
    -- At least n bytes, starting with buf (one copy at the end); Nothing at the end of the stream.
    fill buf n = go [buf] (BS.length buf)
      where
        go acc have
          | have >= n = pure (Just (BS.concat (reverse acc)))
          | otherwise = NB.recv c 65536 >>= \b -> if BS.null b then pure Nothing else go (b : acc) (have + BS.length b)

-- | Sends a shape's request frame (the bytes our client sends) and waits for all of it back.
rawClient :: String -> IO ()
rawClient address = do
  path <- maybe (throwIO (userError ("not a unix address: " <> address))) (pure . T.unpack) (T.stripPrefix "unix:" (T.pack address))
  bracket (N.socket N.AF_UNIX N.Stream N.defaultProtocol) N.close $ \s -> do
    N.connect s (N.SockAddrUnix path)
    let request target params = encodeFrame (frame Request) {frameCodec = 2, frameCorrelation = 1, frameTarget = target, framePayload = params}
        frames =
          [ (ShapeSmall, request "bench.shapes.echoSmall" (encodeValue CodecMsgpack (Params'echoSmall small)))
          , (ShapeNested, request "bench.shapes.echoNested" (encodeValue CodecMsgpack (Params'echoNested nested)))
          , (ShapeBlob, request "bench.shapes.echoBlob" (encodeValue CodecMsgpack (Params'echoBlob blob))) ]
        readN 0 = pure ()
        readN k = NB.recv s (min 65536 k) >>= \b -> if BS.null b then throwIO (userError "the echo closed") else readN (k - BS.length b)
        call shape = maybe (pure ()) (\f -> NB.sendAll s f >> readN (BS.length f)) (lookup shape frames)
    runClient call

-- | Answers {"cmd":"batch","shape":S,"n":N} with the N calls' round trips in ns.
runClient :: (ShapeName -> IO ()) -> IO ()
runClient call = do
  reply (A.object ["ready" A..= True, "pids" A..= ([] :: [Int])])
  serveCommands $ \cmd -> do
    (shape, n) <- maybe (fail ("not a batch command: " <> show cmd)) pure (batchOf cmd)
    lat <- forM [1 .. n] $ \_ -> do
      t0 <- getMonotonicTimeNSec
      call shape
      t1 <- getMonotonicTimeNSec
      pure (t1 - t0)
    pure (A.object ["lat" A..= lat])
  where
    batchOf v = do
      A.Object o <- pure v
      A.String "batch" <- AT.parseMaybe (A..: "cmd") o
      s <- AT.parseMaybe (A..: "shape") o >>= shapeNamed
      n <- AT.parseMaybe (A..: "n") o :: Maybe Int
      pure (s, n)
