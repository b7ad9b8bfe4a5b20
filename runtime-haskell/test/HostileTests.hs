{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Hostile peers (docs/wire.md §1, §5.1): bytes that are not frames, a frame cut short, a header
-- announcing 2 GiB, a payload nested a million deep, more connections than a listener takes, a
-- frame whose bytes stop coming, a connection that does nothing, a server killed with calls in
-- flight. Each gets a typed error or a GOODBYE on its own connection only, counted, while another
-- connection is served as before.
module HostileTests (hostileTests, withVictim, stillServed) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (async, wait)
import Control.Exception (IOException, bracket, try)
import Control.Monad (forM, forM_, unless)
import qualified Data.ByteString as BS
import Data.Maybe (catMaybes)
import Data.Text (Text)
import qualified Data.Text as T
import GHC.Clock (getMonotonicTime)
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.Envelope (Envelope (..), decodeEnvelope)
import Interop.Runtime.Frame
import Interop.Runtime.Module (ModuleDesc (..))
import Live
import RawPeer
import System.Directory (doesPathExist)
import System.Environment (getEnvironment)
import System.FilePath ((</>))
import System.IO (IOMode (WriteMode), withFile)
import System.Posix.Signals (sigKILL, signalProcess)
import System.Process
import System.Timeout (timeout)
import TestJson (repoPath)
import Test.Tasty
import Test.Tasty.HUnit

hostileTests :: TestTree
hostileTests =
  testGroup "hostile peers"
    [ testCase "bytes that are not frames: one connection-level ERROR, that connection closed, the others served" $
        withServer [] $ \address server _ -> do
          -- An HTTP request: its first four bytes read as a length of 542 MB.
          http <- rawDial address
          rawSend http "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
          expectConnectionError http CodeResourceExhausted
          -- A length below the 14-byte header.
          short <- rawDial address
          rawSend short (BS.pack [3, 0, 0, 0, 1, 2, 3])
          expectConnectionError short CodeProtocolError
          stillServed address
          ok <- waitForIO 3000 ((>= Just 2) . counter "rejected_frames" <$> health server)
          ok @? "rejected_frames is not 2"
    , testCase "a header announcing 2 GiB is refused before anything is buffered" $
        withServer [] $ \address _ _ -> do
          p <- rawDial address
          _ <- rawHello p [] Nothing
          rawSend p (BS.pack [0, 0, 0, 0x80, 3, 1, 0, 0, 1, 0, 0, 0])
          expectConnectionError p CodeResourceExhausted
          stillServed address
    , testCase "a frame cut short by the peer's close is counted (rejected_frames), the node goes on" $
        withServer [] $ \address server _ -> do
          p <- rawDial address
          _ <- rawHello p [] Nothing
          let whole = encodeFrame (frame Request) {frameCodec = 1, frameCorrelation = 1, frameTarget = "interop.conformance.add", framePayload = "{\"a\":\"1\",\"b\":\"2\"}"}
          rawSend p (BS.take 20 whole)
          rawClose p
          ok <- waitForIO 3000 ((== Just 1) . counter "rejected_frames" <$> health server)
          ok @? "the cut frame was not counted"
          stillServed address
    , testCase "a payload nested a million deep (json and msgpack): RESOURCE_EXHAUSTED for that call, the connection goes on" $
        withServer [] $ \address _ _ -> do
          p <- rawDial address
          _ <- rawHello p [("interop.conformance", mdFingerprint conformanceModule)] Nothing
          -- In a field the callee does not know: skipped values count towards max_depth too.
          let deep = [(1, "{\"skip\":" <> BS.replicate 1000000 91), (2, BS.pack [0x81, 0x09] <> BS.replicate 1000000 0x91)]
          forM_ (zip [1 ..] deep) $ \(cid, (codec, payload)) -> do
            rawSendFrame p (frame Request) {frameCodec = codec, frameCorrelation = cid, frameTarget = "interop.conformance.echo_i32", framePayload = payload}
            expectError p cid CodeResourceExhausted
          rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = 9, frameTarget = "interop.conformance.echo_i32", framePayload = "{\"v\":5}"}
          r <- rawNext p 3000
          fmap (\f -> (frameKind f, frameCorrelation f, framePayload f)) (got r) @?= Just (Response, 9, "5")
          rawClose p
    , testCase "hostile protobuf (docs/wire.md §3.5): a typed ERROR in protobuf for each, the connection goes on" $
        withServer [] $ \address _ _ -> do
          p <- rawDial address
          _ <- rawHello p [("interop.conformance", mdFingerprint conformanceModule)] Nothing
          let hostile =
                [ ("\x08\x80", CodeInvalidArgument) -- a truncated varint
                , ("\x0b\x0c", CodeInvalidArgument) -- a group
                , ("\x00\x01", CodeInvalidArgument) -- field number 0
                , ("\x08\x02\x08\x04", CodeInvalidArgument) -- v twice
                , ("\x0d\x00\x00\x00\x00", CodeInvalidArgument) -- v as fixed32
                , ("\x08\xfe\xff\xff\xff\x1f", CodeInvalidArgument) -- v past i32
                , ("\x12\x80\x80\x80\x80\x08", CodeResourceExhausted) -- a 2 GiB unknown field
                , ("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", CodeInvalidArgument) ] -- past 64 bits
          forM_ (zip [1 ..] hostile) $ \(cid, (payload, code)) -> do
            rawSendFrame p (frame Request) {frameCodec = 3, frameCorrelation = cid, frameTarget = "interop.conformance.echo_i32", framePayload = payload}
            expectError p cid code
          -- v = -3 (zigzag 5): the answer in protobuf, the result's wrapper message.
          rawSendFrame p (frame Request) {frameCodec = 3, frameCorrelation = 99, frameTarget = "interop.conformance.echo_i32", framePayload = "\x08\x05"}
          r <- rawNext p 3000
          fmap (\f -> (frameKind f, frameCorrelation f, frameCodec f, framePayload f)) (got r) @?= Just (Response, 99, 3, "\x08\x05")
          rawClose p
    , testCase "a server killed with 50 calls in flight: all 50 fail with UNAVAILABLE within a second" $
        withTempDir $ \dir -> withVictim "unix" (dir </> "victim.sock") $ \address killVictim -> withClient address "msgpack" $ \node -> do
          let c = conformanceClient (nodeInvoker node)
          _ <- add c 1 1
          calls <- forM [1 .. 50 :: Int] (const (async (try (slow c 20000))))
          threadDelay 300000 -- the calls reach the server
          killedAt <- killVictim
          outcomes <- mapM wait calls
          failedIn <- subtract killedAt <$> getMonotonicTime
          [errorCode e | Left e <- outcomes] @?= replicate 50 CodeUnavailable
          -- Far below the calls' 20 s: the broken connection is what failed them, not a deadline.
          -- (Typically a few ms; a second keeps a loaded 2-core machine from failing the test.)
          unless (failedIn < 1) (assertFailure ("the calls failed " <> show failedIn <> " s after the kill"))
    , testCase "1,000 connections against max_connections 512: the excess refused with RESOURCE_EXHAUSTED before HELLO" $
        withServer [("max_connections", DInt 512)] $ \address server _ -> do
          peers <- forM [1 .. 1000 :: Int] (const (dialPatiently address))
          -- The first 512 are held open; every other one gets one ERROR and is closed.
          refusals <- fmap catMaybes . forM (drop 512 peers) $ \p -> do
            r <- rawNext p 10000
            pure $ case r of
              Got f | frameKind f == ErrorFrame -> either (const Nothing) Just (decodeEnvelope 64 CodecJson (framePayload f))
              _ -> Nothing
          length refusals @?= 488
          map envCode refusals @?= replicate 488 8
          map envMessage (take 1 refusals) @?= ["listener " <> address <> " has max_connections (512) connections open"]
          counter "rejected_connections" <$> health server >>= (@?= Just 488)
          -- One of the 512 held ones still gets its handshake.
          Just w <- rawHello (head peers) [] Nothing
          frameKind w @?= Welcome
          mapM_ rawClose peers
          -- Once they are closed, a new connection is served again.
          ok <- waitForIO 5000 (connectable address)
          ok @? "no connection was accepted after the others closed"
    , testCase "a frame whose bytes stop coming: ERROR after frame_timeout_ms, counted in frame_timeouts" $
        withServer [("frame_timeout_ms", DInt 300)] $ \address server _ -> do
          p <- rawDial address
          _ <- rawHello p [] Nothing
          rawSend p (BS.pack [40, 0, 0, 0, 3, 1])
          r <- timeout 5000000 (rawNext p 5000)
          case r of
            Just (Got f) -> do
              (frameKind f, frameCorrelation f) @?= (ErrorFrame, 0)
              fmap (\e -> (envCode e, envMessage e)) (decodeEnvelope 64 CodecJson (framePayload f)) @?= Right (8, "frame not complete within 300 ms (frame_timeout_ms)")
            other -> assertFailure ("expected the ERROR, got " <> show other)
          rawNext p 3000 >>= (@?= Ended)
          counter "frame_timeouts" <$> health server >>= (@?= Just 1)
          stillServed address
    , testCase "an idle connection gets GOODBYE after idle_timeout_ms; one with a subscription is kept" $
        withServer [("idle_timeout_ms", DInt 300)] $ \address server _ -> do
          idle <- rawDial address
          _ <- rawHello idle [] Nothing
          busy <- rawDial address
          _ <- rawHello busy [("interop.conformance", mdFingerprint conformanceModule)] Nothing
          rawSendFrame busy (frame Subscribe) {frameCodec = 1, frameCorrelation = 1, frameTarget = "interop.conformance.ticked"}
          rawNext busy 3000 >>= \r -> fmap frameKind (got r) @?= Just Response
          r <- rawNext idle 5000
          fmap (\f -> (frameKind f, framePayload f)) (got r) @?= Just (Goodbye, "idle for 300 ms")
          rawClose idle
          counter "idle_timeouts" <$> health server >>= (@?= Just 1)
          rawNext busy 1000 >>= (@?= TimedOut)
          rawClose busy
    ]

-- | Runs the Haskell conformance server as a process listening at @scheme@:@sock@; the body gets its
-- address and an action that kills it with SIGKILL (answering when).
withVictim :: Text -> FilePath -> (Text -> IO Double -> IO a) -> IO a
withVictim scheme sock use = do
  exe <- repoPath "runtime-haskell/.build/bin/conformance-server"
  env0 <- getEnvironment
  let address = scheme <> ":" <> T.pack sock
      config = "{\"node\":\"victim\",\"listen\":[\"" <> T.unpack address <> "\"]}"
      start = withFile "/dev/null" WriteMode $ \devNull ->
        createProcess (proc exe []) {env = Just (("INTEROP_NODE_CONFIG", config) : filter ((/= "INTEROP_NODE_CONFIG") . fst) env0), std_out = UseHandle devNull}
      stop (_, _, _, h) = terminateProcess h >> waitForProcess h
  bracket start stop $ \(_, _, _, h) -> do
    up <- waitForIO 10000 (doesPathExist sock)
    up @? "the conformance server did not listen"
    let kill = do
          Just pid <- getPid h
          signalProcess sigKILL pid
          getMonotonicTime
    use address kill

-- | Dials, waiting while the listener's backlog is full (a unix socket refuses with EAGAIN then).
dialPatiently :: Text -> IO RawPeer
dialPatiently address = do
  r <- try (rawDial address)
  case r of
    Right p -> pure p
    Left (_ :: IOException) -> threadDelay 2000 >> dialPatiently address

got :: Next -> Maybe Frame
got (Got f) = Just f
got _ = Nothing

-- | The next frame is a connection-level ERROR with @code@, then the connection closes.
expectConnectionError :: RawPeer -> ErrorCode -> Assertion
expectConnectionError p (ErrorCode code) = do
  r <- rawNext p 3000
  case r of
    Got f -> do
      (frameKind f, frameCorrelation f) @?= (ErrorFrame, 0)
      fmap envCode (decodeEnvelope 64 CodecJson (framePayload f)) @?= Right code
    other -> assertFailure ("expected a connection-level ERROR, got " <> show other)
  rawNext p 3000 >>= (@?= Ended)
  rawClose p

-- | A new connection at @address@ is served: handshake and a call.
stillServed :: Text -> Assertion
stillServed address = connectable address >>= (@? "a new connection was not served")

connectable :: Text -> IO Bool
connectable address = bracket (rawDial address) rawClose $ \p -> do
  w <- rawHello p [("interop.conformance", mdFingerprint conformanceModule)] Nothing
  case fmap frameKind w of
    Just Welcome -> do
      rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = 1, frameTarget = "interop.conformance.add", framePayload = "{\"a\":\"1\",\"b\":\"2\"}"}
      r <- rawNext p 3000
      pure (fmap framePayload (got r) == Just "\"3\"")
    _ -> pure False
