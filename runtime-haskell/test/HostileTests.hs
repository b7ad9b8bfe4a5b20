{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Hostile peers (docs/wire.md §1, §5.1): bytes that are not frames, a frame cut short, a header
-- announcing 2 GiB, more connections than a listener takes, a frame whose bytes stop coming, a
-- connection that does nothing. Each gets a typed error or a GOODBYE on its own connection only,
-- counted, while another connection is served as before.
module HostileTests (hostileTests) where

import Control.Concurrent (threadDelay)
import Control.Exception (IOException, bracket, try)
import Control.Monad (forM)
import qualified Data.ByteString as BS
import Data.Maybe (catMaybes)
import Data.Text (Text)
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.Envelope (Envelope (..), decodeEnvelope)
import Interop.Runtime.Frame
import Interop.Runtime.Module (ModuleDesc (..))
import Live
import RawPeer
import System.Timeout (timeout)
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
