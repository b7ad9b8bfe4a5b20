{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Streams (docs/wire.md §1.5): the frames a node sends and accepts, seen by a raw frame peer
-- (credit before items, the CALLEE flag, the answer after the items, no item beyond the credit,
-- every broken rule ending its stream with its code, late frames counted), and the generated
-- client's API in process and over a unix socket (cancel by leaving the body, an error after
-- the items, the deadline).
module StreamTests (streamTests) where

import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM_)
import qualified Data.ByteString as BS
import Data.Bits ((.|.))
import Data.IORef
import Data.Text (Text)
import Data.Word (Word16, Word32)
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.Frame
import Interop.Runtime.Module (ModuleDesc (..))
import Live
import RawPeer
import Test.Tasty
import Test.Tasty.HUnit

streamTests :: TestTree
streamTests =
  testGroup "streams"
    [ testCase "a server stream: items with the CALLEE flag under the caller's credit, then an empty RESPONSE" $
        withRaw $ \p _ _ -> do
          request p 1 "download" flagStreamOut "{\"sizes\":[1,2]}"
          credit p 1 0 64
          next p >>= (@?= Got (item 1 flagCallee "\"Bw==\""))
          next p >>= (@?= Got (item 1 flagCallee "\"Bwc=\""))
          next p >>= (@?= Got (frame Response) {frameCodec = 1, frameCorrelation = 1, frameTarget = "interop.conformance.download"})
    , testCase "the callee sends no item beyond the credit, more when granted, nothing after CANCEL" $
        withRaw $ \p _ obs -> do
          request p 2 "flood" flagStreamOut "{\"chunk\":4,\"total\":\"4000\"}"
          credit p 2 0 3
          items <- mapM (const (next p)) [1 .. 3 :: Int]
          items @?= replicate 3 (Got (item 2 flagCallee "\"AQEBAQ==\""))
          rawNext p 300 >>= (@?= TimedOut)
          credit p 2 0 2
          more <- mapM (const (next p)) [1 .. 2 :: Int]
          more @?= replicate 2 (Got (item 2 flagCallee "\"AQEBAQ==\""))
          rawNext p 300 >>= (@?= TimedOut)
          atomically (readTVar (floodProduced obs)) >>= \n -> assertBool ("produced " <> show n) (n <= 6)
          rawSendFrame p (frame Cancel) {frameCorrelation = 2}
          interrupted <- waitFor 3000 ((>= 1) <$> readTVar (streamsInterrupted obs))
          interrupted @? "the handler was not interrupted by CANCEL"
          credit p 2 0 10
          rawNext p 300 >>= (@?= TimedOut)
    , testCase "a client stream: the callee grants the window once it accepted, answers after STREAM_END" $
        withRaw $ \p _ _ -> do
          request p 3 "upload" flagStreamIn ""
          next p >>= (@?= Got (frame StreamCredit) {frameCorrelation = 3, frameFlags = flagCallee, framePayload = BS.pack [64, 0, 0, 0]})
          rawSendFrame p (item 3 0 "\"AAA=\"")
          rawSendFrame p (item 3 0 "\"AAAA\"")
          rawSendFrame p (frame StreamEnd) {frameCorrelation = 3}
          next p >>= (@?= Got (frame Response) {frameCodec = 1, frameCorrelation = 3, frameTarget = "interop.conformance.upload", framePayload = "\"5\""})
    , testCase "stream frames that break the rules end their stream with the code of docs/wire.md §1.5, counted" $
        withRaw $ \p server _ -> do
          let pingPong cid = do
                -- No credit for its output: the handler blocks emitting its first answer.
                request p cid "ping_pong" (flagStreamIn .|. flagStreamOut) ""
                next p >>= (@?= Got (frame StreamCredit) {frameCorrelation = cid, frameFlags = flagCallee, framePayload = BS.pack [64, 0, 0, 0]})
          pingPong 10
          forM_ [1 .. 65 :: Int] $ \_ -> rawSendFrame p (item 10 0 "\"x\"")
          expectError p 10 CodeResourceExhausted
          pingPong 11
          rawSendFrame p (item 11 0 "\"x\"") {frameCodec = 2}
          expectError p 11 CodeProtocolError
          pingPong 12
          rawSendFrame p (item 12 0 "17")
          expectError p 12 CodeInvalidArgument
          pingPong 13
          rawSendFrame p (item 13 0 "\"x\"")
          rawSendFrame p (frame StreamEnd) {frameCorrelation = 13}
          rawSendFrame p (item 13 0 "\"y\"")
          expectError p 13 CodeProtocolError
          request p 14 "tick_stream" flagStreamOut "{\"count\":0,\"end\":\"hang\"}"
          rawSendFrame p (frame StreamCredit) {frameCorrelation = 14, framePayload = BS.pack [1, 0, 0]}
          expectError p 14 CodeProtocolError
          request p 15 "tick_stream" flagStreamOut "{\"count\":0,\"end\":\"hang\"}"
          credit p 15 0 0
          expectError p 15 CodeProtocolError
          request p 16 "upload" flagStreamIn ""
          _ <- next p
          credit p 16 0 5
          expectError p 16 CodeProtocolError
          request p 17 "slow" 0 "{\"ms\":3000}"
          rawSendFrame p (item 17 0 "\"x\"")
          expectError p 17 CodeProtocolError
          ok <- waitForIO 3000 ((== Just 8) . counter "rejected_frames" <$> health server)
          ok @? "rejected_frames is not 8"
    , testCase "a REQUEST whose stream flags are not the function's is refused with INVALID_ARGUMENT" $
        withRaw $ \p _ _ -> do
          request p 20 "download" 0 "{\"sizes\":[1]}"
          expectError p 20 CodeInvalidArgument
          request p 21 "add" flagStreamIn "{\"a\":\"1\",\"b\":\"2\"}"
          expectError p 21 CodeInvalidArgument
          request p 22 "ping_pong" flagStreamOut ""
          expectError p 22 CodeInvalidArgument
    , testCase "stream frames naming no open stream are dropped and counted (late_stream_frames)" $
        withRaw $ \p server _ -> do
          rawSendFrame p (item 99 0 "\"x\"")
          credit p 98 flagCallee 4
          rawSendFrame p (frame StreamEnd) {frameCorrelation = 97}
          rawNext p 300 >>= (@?= TimedOut)
          ok <- waitForIO 3000 ((== Just 3) . counter "late_stream_frames" <$> health server)
          ok @? "late_stream_frames is not 3"
          rawSendFrame p (frame Ping) {frameCorrelation = 5, framePayload = "z"}
          next p >>= (@?= Got (frame Pong) {frameCorrelation = 5, framePayload = "z"})
    , testCase "the generated client, in process and over unix: every shape, an error after the items" $
        bothWays $ \c _ -> do
          total <- upload c =<< sourceList [BS.replicate 3 0, BS.replicate 4 0]
          total @?= 7
          download c [2, 0, 1] itemsToList >>= (@?= [BS.pack [7, 7], BS.empty, BS.pack [7]])
          replies <- sourceList ["a", "b"] >>= \src -> pingPong c src itemsToList
          replies @?= ["pong a", "pong b"]
          seen <- newIORef []
          r <- try (tickStream c 3 "busy" (\items -> forItems_ items (\t -> modifyIORef' seen (tickN t :))))
          r @?= Left (Busy 3)
          readIORef seen >>= (@?= [3, 2, 1])
    , testCase "leaving the body early cancels the stream: the handler is interrupted" $
        bothWays $ \c obs -> do
          before <- readTVarIO (streamsInterrupted obs)
          first <- tickStream c 2 "hang" nextItem
          fmap tickN first @?= Just 1
          interrupted <- waitFor 3000 ((> before) <$> readTVar (streamsInterrupted obs))
          interrupted @? "the handler was not interrupted"
    , testCase "a stream's deadline fails it with DEADLINE_EXCEEDED and interrupts the handler" $
        bothWaysWith defaultCallOptions {callTimeoutMs = Just 200} $ \c obs -> do
          before <- readTVarIO (streamsInterrupted obs)
          r <- try (tickStream c 1 "hang" itemsToList)
          either (\e -> errorCode e @?= CodeDeadlineExceeded) (const (assertFailure "expected DEADLINE_EXCEEDED")) r
          interrupted <- waitFor 3000 ((> before) <$> readTVar (streamsInterrupted obs))
          interrupted @? "the handler was not interrupted"
    ]
  where
    next p = rawNext p 3000

-- | A raw peer connected to a server node hosting interop.conformance, handshake done.
withRaw :: (RawPeer -> Node -> Observed -> IO ()) -> IO ()
withRaw use = withServer [] $ \address server obs -> do
  p <- rawDial address
  Just w <- rawHello p [("interop.conformance", mdFingerprint conformanceModule)] Nothing
  frameKind w @?= Welcome
  use p server obs `finally` rawClose p

-- | The same test through the client in process (the server node calling itself) and over unix.
bothWays :: (ConformanceClient -> Observed -> IO ()) -> IO ()
bothWays = bothWaysWith defaultCallOptions

bothWaysWith :: CallOptions -> (ConformanceClient -> Observed -> IO ()) -> IO ()
bothWaysWith opts use = withServer [] $ \address server obs -> do
  use (conformanceClientWith opts (nodeInvoker server)) obs
  withClient address "msgpack" $ \node -> use (conformanceClientWith opts (nodeInvoker node)) obs

-- | A REQUEST of interop.conformance.<fn> in JSON.
request :: RawPeer -> Word32 -> Text -> Word16 -> BS.ByteString -> IO ()
request p cid fn flags params =
  rawSendFrame p (frame Request)
    {frameCodec = 1, frameCorrelation = cid, frameFlags = flags, frameTarget = "interop.conformance." <> fn, framePayload = params}

credit :: RawPeer -> Word32 -> Word16 -> Int -> IO ()
credit p cid flags n =
  rawSendFrame p (frame StreamCredit) {frameCorrelation = cid, frameFlags = flags, framePayload = BS.pack [fromIntegral n, 0, 0, 0]}

item :: Word32 -> Word16 -> BS.ByteString -> Frame
item cid flags payload = (frame StreamItem) {frameCodec = 1, frameCorrelation = cid, frameFlags = flags, framePayload = payload}
