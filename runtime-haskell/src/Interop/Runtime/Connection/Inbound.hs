{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The reading side of a connection: one read loop decodes frames as they arrive (docs/wire.md
-- §1) and hands each to the part it concerns; the handshake (§2) is its first exchange. It stops
-- reading the peer while a @block@ subscription's queue is full (in 'onEvent'), or while more
-- than @max_in_flight@ of the answers it gave wait to be written (the peer does not read them:
-- §5). A malformed frame is answered, failed locally or dropped as §1.4 says; a GOODBYE closes
-- the connection once our own exchanges are answered.
module Interop.Runtime.Connection.Inbound
  ( readLoop
  , sendHello
  ) where

import Control.Concurrent (forkIO, killThread, threadDelay)
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, void, when)
import qualified Data.ByteString as BS
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import Data.Bits ((.&.))
import Data.Maybe (fromMaybe)
import Data.Word (Word16, Word32)
import qualified Data.Text as T
import Interop.Runtime.Codec
import Interop.Runtime.Compat (closedWithoutAnswer, foreignPeer)
import Interop.Runtime.Connection.Caller
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.Serving
import Interop.Runtime.Connection.Types
import Interop.Runtime.Connection.Watchdog
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Handshake
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Transport (Transport (..), TransportBroken (..))
import System.Timeout (timeout)

counters :: Conn -> Counters
counters = ccCounters . connConfig

-- | Reads until the stream ends or the connection closes. A bug here closes this connection
-- only, never the node.
readLoop :: Conn -> IO ()
readLoop c = (if ccInitiator (connConfig c) then sniff BS.empty else go decoder0) `catch` crashed
  where
    limits = ccLimits (connConfig c)
    decoder0 = newDecoder (maxFrameBytes limits) (maxTargetBytes limits)
    -- The initiator's first bytes must start a WELCOME or an ERROR (docs/wire.md §2): anything
    -- else is a server of another protocol, which is named rather than read as a frame length.
    sniff acc = do
      chunk <- transportRecv (connTransport c)
      let acc' = acc <> chunk
      if BS.null chunk
        then
          if BS.null acc
            then shutdown c (unavailable ("connection lost during handshake: " <> closedWithoutAnswer))
            else feed decoder0 acc' >>= maybe (pure ()) (atEnd . fst)
        else
          if BS.length acc' < 6
            then sniff acc'
            else case foreignPeer acc' of
              Nothing -> feed decoder0 acc' >>= maybe (pure ()) (go . fst)
              Just what -> do
                bump (counters c) RejectedFrames
                shutdown c (interopError CodeProtocolError what)
    atEnd decoder = do
      let (_, truncated) = endOfStream decoder
      when (truncated /= Nothing) $ bump (counters c) RejectedFrames
      peer <- readTVarIO (connPeer c)
      shutdown c (unavailable ("peer " <> (if T.null peer then "?" else peer) <> " closed the connection"))
    crashed e = case fromException e of
      Just (_ :: AsyncException) -> pure ()
      Nothing | Just (TransportBroken why) <- fromException e -> brokenByPeer c why
      Nothing -> shutdown c (interopError CodeInternal ("connection failed: " <> T.pack (show (e :: SomeException))))
    go = goTimed (frameTimeoutMs limits)
    -- After the handshake, an incomplete frame held must complete within frame_timeout_ms
    -- (docs/wire.md §5.1): @budget@ is what is left of it, counting only the time spent waiting
    -- for bytes (so not the time reading was paused).
    goTimed budget decoder = do
      timed <- (\p -> bufferedBytes decoder > 0 && case p of Open -> True; _ -> False) <$> readTVarIO (connPhase c)
      start <- monotonicMs
      next <- if timed then timeout (max 0 budget * 1000) (transportRecv (connTransport c)) else Just <$> transportRecv (connTransport c)
      case next of
        Nothing -> frameTimedOut c
        Just chunk
          | BS.null chunk -> atEnd decoder
          | otherwise -> do
              waited <- subtract start <$> monotonicMs
              r <- feed decoder chunk
              case r of
                Nothing -> pure ()
                -- A frame that begins now gets the whole budget.
                Just (decoder', completed) -> goTimed (if completed > 0 || not timed then frameTimeoutMs limits else budget - waited) decoder'
    -- Decodes and handles a chunk; the decoder to go on with and how many frames (or frame
    -- errors) it completed, or Nothing once closed.
    feed decoder chunk = do
      let (decoder', items) = pushBytes decoder chunk
      atomically (writeTVar (connReceived c) True >> writeTVar (connPartial c) (bufferedBytes decoder'))
      continue <- handleAll items
      if not continue
        then pure Nothing
        else do
          -- More answers wait than a peer within its in-flight limit can have asked for: it
          -- does not read them. Stop reading it until they are sent.
          room <- atomically answersRoom
          unless room $ do
            bump (counters c) PausedReads
            pausedWhile c (atomically (answersRoom >>= check))
          pure (Just (decoder', length items))
    answersRoom = do
      held <- readTVar (connHeldAnswers c)
      closed <- isClosed
      pure (closed || held <= maxInFlight limits)
    isClosed = readTVar (connPhase c) >>= \p -> pure (case p of Closed _ -> True; _ -> False)
    handleAll [] = not <$> atomically isClosed
    handleAll (item : rest) = do
      either (onFrameError c) (dispatch c) item
      closed <- atomically isClosed
      if closed then pure False else handleAll rest

answers, unanswered, startsExchange, streamKinds :: [FrameKind]
-- | Frames that answer an exchange: a problem with one is never answered (docs/wire.md §1.4).
answers = [Response, ErrorFrame, Pong, Cancel]
-- | Frames with correlation 0 that nobody answers: a bad one is dropped and counted.
unanswered = [Oneway, Event, Unsubscribe, Goodbye]
-- | Frames that start an exchange with a new correlation id of the peer's.
startsExchange = [Request, Subscribe, Ping]
-- | Frames of an open stream: never answered by an ERROR of their own (docs/wire.md §1.4).
streamKinds = [StreamItem, StreamEnd, StreamCredit]

onFrameError :: Conn -> FrameError -> IO ()
onFrameError c e = do
  bump (counters c) RejectedFrames
  let kind = FrameKind (feKind e)
      problem = feError e
  if feFatal e
    then connectionError c problem
    else
      if kind `elem` streamKinds
        then endStream c (feFlags e) (feCorrelation e) problem
      else if kind `elem` answers
        then atomically $ do
          -- Never answer an answer: fail the matching exchange locally, or drop it.
          failed <- failExchange c (feCorrelation e) problem
          when (not failed && kind == Cancel) (void (withdrawAnswer c (feCorrelation e)))
        else
          unless (kind `elem` unanswered) $ atomically $ do
            -- Refused, it still starts an exchange with its id (docs/wire.md §1.1).
            when (kind `elem` startsExchange) (forgetSubscribeId c (feCorrelation e))
            sendError c (feCorrelation e) (feTarget e) (fromMaybe CodecJson (codecFromNumber (feCodec e))) (Failure (errorCode problem) (errorMessage problem) Nothing)

dispatch :: Conn -> Frame -> IO ()
dispatch c f = do
  phase <- readTVarIO (connPhase c)
  case phase of
    Handshaking -> onHandshakeFrame c f
    _ -> case frameKind f of
      Request -> onRequest c f
      ErrorFrame | frameCorrelation f == 0 -> do
        e <- errorOf c [] f
        shutdown c (unavailable ("peer reported " <> T.pack (show e)))
      k | k `elem` [Response, ErrorFrame, Pong] -> onAnswer c f
      Oneway -> onOneway c f
      Event -> onEvent c f
      Subscribe -> onSubscribe c f
      Unsubscribe -> onUnsubscribe c f
      Cancel -> onCancel c f
      k | k `elem` streamKinds -> onStreamFrame c f
      Ping -> atomically $ do
        forgetSubscribeId c (frameCorrelation f) -- a new exchange with that id
        sendAnswer c (frame Pong) {frameCorrelation = frameCorrelation f, framePayload = framePayload f}
      Goodbye -> do
        atomically (writeTVar (connGoodbyeReceived c) True)
        void (forkIO (closeAfterGoodbye c))
      -- HELLO / WELCOME after the handshake: correlation 0, so it cannot be answered.
      _ -> bump (counters c) RejectedFrames

-- | A stream frame goes to the exchange it names (docs/wire.md §1.5): with the CALLEE flag to a
-- stream this side started, else to one it serves. One for a call breaks the rules; one naming
-- no open exchange is dropped and counted (late_stream_frames).
onStreamFrame :: Conn -> Frame -> IO ()
onStreamFrame c f = do
  let cid = frameCorrelation f
      callee = frameFlags f .&. flagCallee /= 0
  (stream, isCall) <- atomically $ do
    streams <- readTVar (if callee then connOutStreams c else connInStreams c)
    case IM.lookup (key cid) streams of
      Just s -> pure (Just s, False)
      Nothing -> (,) Nothing <$> (if callee then IM.member (key cid) <$> readTVar (connPending c) else IM.member (key cid) <$> readTVar (connHandling c))
  case stream of
    Just s -> spFrame s f
    Nothing
      | isCall -> do
          bump (counters c) RejectedFrames
          endStream c (frameFlags f) cid (interopError CodeProtocolError "a stream frame for a call")
      | otherwise -> bump (counters c) LateStreamFrames

-- | A stream frame that breaks the rules (counted already) ends the exchange it names: one this
-- side started fails here and the peer gets a CANCEL; one it serves is answered ERROR and its
-- handler cancelled. Naming none, nothing more happens.
endStream :: Conn -> Word16 -> Word32 -> InteropError -> IO ()
endStream c flags cid problem
  | flags .&. flagCallee /= 0 = do
      out <- IM.lookup (key cid) <$> readTVarIO (connOutStreams c)
      case out of
        Just s -> spBreak s problem
        Nothing -> atomically $ do
          failed <- failExchange c cid problem
          when failed $ sendFrame c (frame Cancel) {frameCorrelation = cid}
  | otherwise = do
      served <- IM.lookup (key cid) <$> readTVarIO (connInStreams c)
      case served of
        Just s -> spBreak s problem
        Nothing -> do
          handler <- atomically $ do
            h <- IM.lookup (key cid) <$> readTVar (connHandling c)
            case h of
              Nothing -> pure Nothing
              Just running -> do
                modifyTVar' (connHandling c) (IM.delete (key cid))
                sendError c cid "" CodecJson (Failure (errorCode problem) (errorMessage problem) Nothing)
                pure (Just (handlingThread running))
          mapM_ (void . forkIO . killThread) handler

-- | The peer starts nothing new; we close once our own outstanding requests are answered and
-- what waits to be written is sent (if the peer still reads).
closeAfterGoodbye :: Conn -> IO ()
closeAfterGoodbye c = do
  let graceUs = handshakeTimeoutMs (ccLimits (connConfig c)) * 1000
  tv <- registerDelay graceUs
  atomically $ do
    expired <- readTVar tv
    closed <- readTVar (connPhase c) >>= \p -> pure (case p of Closed _ -> True; _ -> False)
    unless (expired || closed) $ do
      pending <- readTVar (connPending c)
      handling <- readTVar (connHandling c)
      box <- readTVar (connOutboxBytes c)
      sending <- readTVar (connSending c)
      backlog <- readTVar (connBacklogLen c)
      check (IM.null pending && IM.null handling && box == 0 && sending == 0 && backlog == 0)
  threadDelay 1000
  shutdown c (unavailable "peer said GOODBYE")

-- | The initiator's HELLO.
sendHello :: Conn -> IO ()
sendHello c = do
  let cfg = connConfig c
      -- The tables of every module offered: the responder's wants are not known yet.
      compat = [(n, t) | (n, s) <- Map.toList (ccServed cfg), Just t <- [mdCompat (serviceModule s)]]
      hello = HelloDoc (ccCodecs cfg) compat (ccNode cfg) (offers cfg) protocolVersions (wants cfg) (ccToken cfg)
  atomically $ sendFrame c (frame Hello) {frameCodec = 1, framePayload = encodeHello hello}

offers :: ConnConfig -> [(T.Text, T.Text)]
offers cfg = [(n, mdFingerprint (serviceModule s)) | (n, s) <- Map.toList (ccServed cfg)]

wants :: ConnConfig -> [(T.Text, T.Text)]
wants cfg = [(mdName m, mdFingerprint m) | m <- ccWants cfg]

-- | The first frame settles the handshake: HELLO for the responder, WELCOME for the initiator,
-- an ERROR for either. A refusal is answered with an ERROR (unless it is one) and closes.
onHandshakeFrame :: Conn -> Frame -> IO ()
onHandshakeFrame c f = do
  r <- try settle
  case r of
    Right () -> atomically $ do
      writeTVar (connPhase c) Open
      void (tryPutTMVar (connHandshake c) (Right ()))
    Left (e :: InteropError) -> do
      unless (frameKind f == ErrorFrame) $
        atomically (sendError c 0 "" CodecJson (Failure (errorCode e) (errorMessage e) Nothing))
      atomically (void (tryPutTMVar (connHandshake c) (Left e)))
      -- Let the ERROR go out before the transport closes.
      flushed <- registerDelay 200000
      atomically $ (readTVar flushed >>= check) `orElse` (do
        b <- readTVar (connOutboxBytes c)
        s <- readTVar (connSending c)
        check (b == 0 && s == 0))
      shutdown c (unavailable ("handshake failed: " <> T.pack (show e)))
  where
    cfg = connConfig c
    settle = case frameKind f of
      ErrorFrame -> do
        ex <- errorOf c [] f
        throwIO (fromMaybe (interopError CodeUnknown (T.pack (show ex))) (fromException ex))
      k | ccInitiator cfg && k /= Welcome -> throwIO (interopError CodeProtocolError ("expected WELCOME, got " <> kindName k))
        | not (ccInitiator cfg) && k /= Hello -> throwIO (interopError CodeProtocolError ("expected HELLO, got " <> kindName k))
      Welcome -> do
        w <- either throwIO pure (decodeWelcome (framePayload f))
        unless (welcomeProtocol w `elem` protocolVersions) $
          throwIO (interopError CodeProtocolError ("peer chose unknown protocol " <> T.pack (show (welcomeProtocol w))))
        mapM_ throwIO (checkWants False (wants cfg) (welcomeOffers w))
        mapM_ throwIO (checkWants False (welcomeWants w) (offers cfg))
        agree (welcomeNode w) (welcomeCodecs w) (welcomeOffers w) (welcomeCompat w)
      _ -> do
        h <- either throwIO pure (decodeHello (framePayload f))
        version <- maybe (throwIO (interopError CodeProtocolError ("no common protocol version in " <> T.pack (show (helloProtocol h))))) pure (chooseProtocol (helloProtocol h))
        case ccExpectedToken cfg of
          Just t | helloToken h /= Just t -> throwIO (interopError CodeUnauthenticated "missing or wrong token")
          _ -> pure ()
        mapM_ throwIO (checkWants (ccControlOnly cfg) (helloWants h) (offers cfg))
        agree (helloNode h) (helloCodecs h) (helloOffers h) (helloCompat h)
        -- The tables of the modules HELLO wants with another fingerprint than ours, and no other.
        let compat =
              [ (n, t) | (n, fp) <- helloWants h, Just s <- [Map.lookup n (ccServed cfg)]
              , mdFingerprint (serviceModule s) /= fp, Just t <- [mdCompat (serviceModule s)] ]
            welcome = WelcomeDoc (ccCodecs cfg) compat (ccNode cfg) (offers cfg) version (wants cfg)
        atomically $ sendFrame c (frame Welcome) {frameCodec = 1, framePayload = encodeWelcome welcome}
    -- The first of our codecs the peer lists is what we send in.
    agree peer theirs peerOffers peerCompat = case filter (`elem` theirs) (ccCodecs cfg) of
      [] -> throwIO (interopError CodeProtocolError ("no common codec: ours " <> names (ccCodecs cfg) <> ", theirs " <> names theirs))
      (codec : _) -> atomically $ do
        writeTVar (connPeer c) peer
        writeTVar (connSendCodec c) codec
        writeTVar (connPeerCodecs c) theirs
        writeTVar (connPeerOffers c) peerOffers
        writeTVar (connPeerCompat c) peerCompat
    names = T.intercalate "," . map codecName
