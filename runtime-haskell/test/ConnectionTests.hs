{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The runtime over real unix sockets: calls both ways through the generated client, declared
-- errors as their type, deadlines that interrupt the handler, and what a node does with hostile
-- input (docs/wire.md §1.4, §5): malformed frames get typed errors and the connection goes on,
-- a framing error closes only that connection, limits hold, and a peer that does not read cannot
-- make the node buffer without bound.
module ConnectionTests (connectionTests) where

import Prelude hiding (fail)
import Control.Concurrent (forkIO, killThread, threadDelay)
import Control.Concurrent.Async (forConcurrently)
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM_, replicateM_)
import qualified Data.ByteString as BS
import Data.List (sort)
import Data.Int (Int32)
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.Codec (codecFromNumber)
import Interop.Runtime.Envelope (Envelope (..), decodeEnvelope)
import Interop.Runtime.Frame
import Interop.Runtime.PlainJson (writeDoc)
import Interop.Runtime.Module (ModuleDesc (..))
import Live
import RawPeer
import System.FilePath ((</>))
import System.Timeout (timeout)
import Test.Tasty
import Test.Tasty.HUnit

connectionTests :: TestTree
connectionTests =
  testGroup "connections (unix sockets)"
    [ testCase "calls through the generated client, json, msgpack and protobuf" $
        withServer [] $ \address _ _ -> forM_ ["json", "msgpack", "protobuf"] $ \codec -> withClient address codec $ \node -> do
          let c = conformanceClient (nodeInvoker node)
          echoString c "héllo \0 😀" >>= (@?= "héllo \0 😀")
          add c 40 2 >>= (@?= 42)
          echoBytes c (BS.pack [0 .. 255]) >>= (@?= BS.pack [0 .. 255])
    , testCase "a declared error arrives as its own type, anything else as INTERNAL" $
        withServer [] $ \address _ _ -> withClient address "msgpack" $ \node -> do
          let c = conformanceClient (nodeInvoker node)
          r <- try (fail c "not_found")
          r @?= Left (NotFound "missing")
          r2 <- try (fail c "internal")
          either (\e -> errorCode e @?= CodeInternal) (const (assertFailure "expected INTERNAL")) r2
    , testCase "protobuf: a declared error arrives as its own type (detail in the envelope's field 4)" $
        withServer [] $ \address _ _ -> withClient address "protobuf" $ \node -> do
          r <- try (fail (conformanceClient (nodeInvoker node)) "not_found")
          r @?= Left (NotFound "missing")
    , testCase "UNIMPLEMENTED for a function the handlers leave out" $
        withServer [] $ \address _ _ -> withClient address "json" $ \node -> do
          r <- try (unimplemented (conformanceClient (nodeInvoker node)) 1)
          either (\e -> errorCode e @?= CodeUnimplemented) (const (assertFailure "expected UNIMPLEMENTED")) r
    , testCase "a deadline fails the call with DEADLINE_EXCEEDED and interrupts the handler" $
        withServer [] $ \address _ obs -> withClient address "msgpack" $ \node -> do
          let c = conformanceClientWith defaultCallOptions {callTimeoutMs = Just 100} (nodeInvoker node)
          r <- try (slow c 5000)
          either (\e -> errorCode e @?= CodeDeadlineExceeded) (const (assertFailure "expected DEADLINE_EXCEEDED")) r
          interrupted <- waitFor 3000 (readTVar (slowInterrupted obs) >>= \n -> pure (n >= 1))
          interrupted @? "the server's handler was not interrupted"
    , testCase "a caller's cancel fails the call with CANCELLED and interrupts the handler" $
        withServer [] $ \address _ obs -> withClient address "json" $ \node -> do
          cancel <- newEmptyTMVarIO
          let c = conformanceClientWith defaultCallOptions {callCancel = Just (readTMVar cancel)} (nodeInvoker node)
          _ <- waitFor 0 (pure True)
          r <- race' (slow c 5000) (waitFor 3000 (readTVar (slowStarted obs) >>= \n -> pure (n >= 1)) >> atomically (putTMVar cancel ()))
          either (\e -> errorCode e @?= CodeCancelled) (const (assertFailure "expected CANCELLED")) r
          interrupted <- waitFor 3000 (readTVar (slowInterrupted obs) >>= \n -> pure (n >= 1))
          interrupted @? "the server's handler was not interrupted"
    , testCase "100 concurrent calls on one connection" $
        withServer [] $ \address _ _ -> withClient address "msgpack" $ \node -> do
          let c = conformanceClient (nodeInvoker node)
          rs <- forConcurrently [1 .. 100 :: Int] (const (nextCount c))
          sort rs @?= [1 .. 100]
    , testCase "the peer dies: a pending call fails with UNAVAILABLE at once" $
        withServer [] $ \address server _ -> withClient address "json" $ \node -> do
          let c = conformanceClient (nodeInvoker node)
          _ <- add c 1 1
          r <- race' (slow c 10000) (threadDelay 200000 >> closeNode server 0)
          either (\e -> errorCode e @?= CodeUnavailable) (const (assertFailure "expected UNAVAILABLE")) r
    , testCase "malformed frames are answered and the connection goes on" $
        withServer [] $ \address _ _ -> do
          p <- rawDial address
          Just w <- rawHello p [("interop.conformance", mdFingerprint conformanceModule)] Nothing
          frameKind w @?= Welcome
          -- an unknown kind, an unknown codec, an undecodable payload, an unknown function and module
          rawSendFrame p (frame (FrameKind 40)) {frameCorrelation = 1}
          expectError p 1 CodeProtocolError
          rawSendFrame p (frame Request) {frameCodec = 7, frameCorrelation = 2, frameTarget = "interop.conformance.add"}
          expectError p 2 CodeProtocolError
          rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = 3, frameTarget = "interop.conformance.add", framePayload = "{\"a\":\"x\"}"}
          expectError p 3 CodeInvalidArgument
          rawSendFrame p (frame Request) {frameCodec = 2, frameCorrelation = 4, frameTarget = "interop.conformance.nope", framePayload = "\x80"}
          expectError p 4 CodeUnimplemented
          rawSendFrame p (frame Request) {frameCodec = 2, frameCorrelation = 5, frameTarget = "no.such.add", framePayload = "\x80"}
          expectError p 5 CodeNotFound
          -- too deep: RESOURCE_EXHAUSTED
          rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = 6, frameTarget = "interop.conformance.add", framePayload = BS.replicate 70 91 <> BS.replicate 70 93}
          expectError p 6 CodeResourceExhausted
          -- and a good request still works
          rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = 7, frameTarget = "interop.conformance.add", framePayload = "{\"a\":\"1\",\"b\":\"2\"}"}
          r <- rawNext p 3000
          case r of
            Got f -> (frameKind f, frameCorrelation f, framePayload f) @?= (Response, 7, "\"3\"")
            other -> assertFailure (show other)
          rawClose p
    , testCase "a frame over max_frame_bytes closes that connection only, with RESOURCE_EXHAUSTED" $
        withServer [("max_frame_bytes", DInt 1000)] $ \address _ _ -> do
          good <- rawDial address
          _ <- rawHello good [] Nothing
          bad <- rawDial address
          _ <- rawHello bad [] Nothing
          rawSend bad (BS.pack [0xe9, 0x03, 0, 0]) -- length 1001: the length alone is refused
          r <- rawNext bad 3000
          case r of
            Got f -> do
              (frameKind f, frameCorrelation f) @?= (ErrorFrame, 0)
              fmap envCode (decodeEnvelope 64 CodecJson (framePayload f)) @?= Right 8
            other -> assertFailure (show other)
          rawNext bad 3000 >>= (@?= Ended)
          rawSendFrame good (frame Ping) {frameCorrelation = 9, framePayload = "x"}
          rawNext good 3000 >>= (@?= Got (frame Pong) {frameCorrelation = 9, framePayload = "x"})
          rawClose good
    , testCase "over max_in_flight: RESOURCE_EXHAUSTED at once, counted" $
        withServer [("max_in_flight", DInt 2)] $ \address server _ -> do
          p <- rawDial address
          _ <- rawHello p [] Nothing
          forM_ [1, 2, 3] $ \i -> rawSendFrame p (frame Request) {frameCodec = 1, frameCorrelation = i, frameTarget = "interop.conformance.slow", framePayload = "{\"ms\":2000}"}
          expectError p 3 CodeResourceExhausted
          h <- health server
          counter "rejected_requests" h @?= Just 1
          rawClose p
    , testCase "a module not offered fails the handshake with NOT_FOUND; another version of one is welcomed with its table" $
        withServer [] $ \address server _ -> do
          q <- rawDial address
          Just e <- rawHello q [("no.such", "sha256:00")] Nothing
          (frameKind e, fmap envCode (decodeEnvelope 64 CodecJson (framePayload e))) @?= (ErrorFrame, Right 5)
          ok <- waitForIO 3000 ((== Just 1) . counter "rejected_handshakes" <$> health server)
          ok @? "rejected_handshakes is not 1"
          p <- rawDial address
          Just w <- rawHello p [("interop.conformance", "sha256:00")] Nothing
          frameKind w @?= Welcome
          case parseDoc (framePayload w) of
            Right doc | Just (DObj [("interop.conformance", table)]) <- member' "compat" doc -> Just (writeDoc table) @?= fmap writeDoc (mdCompat conformanceModule)
            other -> assertFailure ("WELCOME without the module's table: " <> show other)
          rawClose p
    , testCase "a peer that sends pings and never reads stops being read (paused_reads); other peers are served" $
        withServer [("max_in_flight", DInt 8)] $ \address server _ -> do
          p <- rawDial address
          _ <- rawHello p [] Nothing
          -- 4,000 pings of 4 KiB each, never reading a PONG: the sender ends up blocked.
          flood <- forkIO (replicateM_ 4000 (rawSendFrame p (frame Ping) {frameCorrelation = 1, framePayload = BS.replicate 4096 1}))
          paused <- waitForIO 5000 (maybe False (>= 1) . counter "paused_reads" <$> health server)
          paused @? "reading was never paused"
          q <- rawDial address
          _ <- rawHello q [] Nothing
          rawSendFrame q (frame Ping) {frameCorrelation = 2, framePayload = "y"}
          rawNext q 3000 >>= (@?= Got (frame Pong) {frameCorrelation = 2, framePayload = "y"})
          killThread flood
          rawClose p
          rawClose q
    , testCase "an EVENT in the same write as the SUBSCRIBE's RESPONSE is delivered" $
        -- A raw server answers SUBSCRIBE with RESPONSE and EVENT in one write, as a node that
        -- publishes right after subscribing may: the read loop sees the EVENT before the
        -- subscriber's thread wakes up, so the subscription must stand before the SUBSCRIBE goes.
        withTempDir $ \dir -> do
          let address = "unix:" <> T.pack (dir </> "raw.sock")
              serve p = do
                _ <- rawWelcome p [("interop.conformance", mdFingerprint conformanceModule)]
                r <- rawNext p 5000
                case r of
                  Got s | frameKind s == Subscribe -> do
                    rawSend p $
                      encodeFrame (frame Response) {frameCodec = 1, frameCorrelation = frameCorrelation s}
                        <> encodeFrame (frame Event) {frameCodec = 1, frameTarget = frameTarget s, framePayload = "{\"n\":7,\"text\":\"same write\"}"}
                    _ <- rawNext p 5000 -- until the client goes
                    pure ()
                  _ -> pure ()
          rawServe address serve $ withClient address "json" $ \node -> do
            sub <- subscribeTicked (conformanceClient (nodeInvoker node))
            got' <- timeout 3000000 (atomically (receive sub))
            got' @?= Just (Just (Tick 7 "same write"))
    , testCase "member_codecs: a member's REQUEST and SUBSCRIBE in its codec, the rest in the link's, an unlisted one not used" $
        forM_ [([CodecMsgpack, CodecJson, CodecProtobuf], (3, 1, 2, 1)), ([CodecMsgpack, CodecJson], (2, 1, 2, 1))] $ \(peerCodecs, (str', addC, i32C, subC)) ->
          withTempDir $ \dir -> do
            seen <- newTVarIO []
            let address = "unix:" <> T.pack (dir </> "raw.sock")
                serve p = do
                  _ <- rawWelcomeWith p peerCodecs [("interop.conformance", mdFingerprint conformanceModule)]
                  let loop = do
                        r <- rawNext p 5000
                        case r of
                          Got f | frameKind f `elem` [Request, Subscribe] -> do
                            atomically (modifyTVar' seen (<> [(frameTarget f, frameCodec f)]))
                            let Just codec = codecFromNumber (frameCodec f)
                                answer payload = encodeFrame (frame Response) {frameCodec = frameCodec f, frameCorrelation = frameCorrelation f, framePayload = payload}
                            rawSend p $ case frameTarget f of
                              "interop.conformance.echo_string" -> answer (encodeValue codec ("x" :: Text))
                              "interop.conformance.ticked" -> answer BS.empty <> encodeFrame (frame Event) {frameCodec = frameCodec f, frameTarget = frameTarget f, framePayload = encodeValue codec (Tick 7 "e")}
                              _ -> answer (encodeValue codec (3 :: Int32))
                            loop
                          _ -> pure ()
                  loop
                members = DObj [("interop.conformance.echo_string", DStr "protobuf"), ("interop.conformance.add", DStr "json"), ("interop.conformance.ticked", DStr "json")]
                config = DObj [("node", DStr "test-client"), ("connect", DArr [DObj [("address", DStr address), ("codec", DStr "msgpack"), ("member_codecs", members), ("modules", DArr [DStr "interop.conformance"])]])]
            rawServe address serve $ bracket (startNode defaultNodeOptions {nodeModules = [conformanceModule], nodeConfig = Just config}) (\n -> closeNode n 200) $ \node -> do
              let c = conformanceClient (nodeInvoker node)
              echoString c "a" >>= (@?= "x")
              add c 1 2 >>= (@?= 3)
              echoI32 c 5 >>= (@?= 3)
              sub <- subscribeTicked c
              timeout 3000000 (atomically (receive sub)) >>= (@?= Just (Just (Tick 7 "e")))
            readTVarIO seen >>= (@?= [("interop.conformance.echo_string", str'), ("interop.conformance.add", addC), ("interop.conformance.echo_i32", i32C), ("interop.conformance.ticked", subC)])
    , testCase "member_codecs naming no member of its module: a config error naming the key" $ do
        let config member = DObj [("node", DStr "c"), ("connect", DArr [DObj [("address", DStr "unix:/nonexistent/s.sock"), ("member_codecs", DObj [(member, DStr "protobuf")]), ("modules", DArr [DStr "interop.conformance"])]])]
        r <- try (startNode defaultNodeOptions {nodeModules = [conformanceModule], nodeConfig = Just (config "interop.conformance.nope")})
        either (\(e :: IOException) -> assertBool (show e) ("connect[0].member_codecs[\"interop.conformance.nope\"]: interop.conformance has no function or event named nope" `T.isInfixOf` T.pack (show e))) (\n -> closeNode n 0 >> assertFailure "started") r
        r2 <- try (startNode defaultNodeOptions {nodeModules = [conformanceModule], nodeConfig = Just (config "other.module.add")})
        either (\(e :: IOException) -> assertBool (show e) ("is not a member of this entry's modules" `T.isInfixOf` T.pack (show e))) (\n -> closeNode n 0 >> assertFailure "started") r2
    , testCase "the health document has exactly the counters of docs/wire.md §7" $
        withServer [] $ \_ server _ -> do
          h <- health server
          case h of
            DObj kvs | Just (DObj cs) <- lookup "counters" kvs -> sort (map fst cs) @?= sort counterNames
            _ -> assertFailure (show h)
    ]

member' :: Text -> Doc -> Maybe Doc
member' k (DObj kvs) = lookup k kvs
member' _ _ = Nothing

counterNames :: [Text]
counterNames =
  [ "requests_served", "handler_errors", "event_handler_errors", "rejected_requests", "rejected_frames"
  , "rejected_connections", "rejected_handshakes", "idle_timeouts", "frame_timeouts", "late_responses"
  , "late_cancels", "late_stream_frames", "dropped_oneways", "dropped_events", "unsolicited_events"
  , "undecodable_events", "unencodable_events", "paused_reads" ]
