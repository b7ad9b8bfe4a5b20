{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The serving side of a connection: the peer's exchanges with the modules this side implements
-- (docs/wire.md §1.1, §5, §6, §7). A REQUEST runs its handler in a thread of its own under the
-- caller's deadline, at most @max_in_flight@ of them (one-way calls being run share that budget);
-- its answer waits for the transport keeping its slot; a CANCEL or a passed deadline interrupts
-- it and nothing more is sent for that id. A SUBSCRIBE registers the peer's subscription, whose
-- events 'connSendEvent' writes or holds in the bounded backlog; an UNSUBSCRIBE, or a CANCEL with
-- the SUBSCRIBE's id (the peer gave up on it), withdraws it. The control channel's members answer
-- with plain JSON documents.
module Interop.Runtime.Connection.Serving
  ( onRequest
  , onOneway
  , onCancel
  , onSubscribe
  , onUnsubscribe
  , forgetSubscribeId
  , connSendEvent
  , wantsEvent
  ) where

import Control.Concurrent
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (void, when)
import qualified Data.ByteString as BS
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import Data.Maybe (fromMaybe, isJust)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Bits ((.&.), (.|.))
import Data.Word (Word16, Word32)
import Interop.Runtime.Codec
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.StreamServing
import Interop.Runtime.Connection.Types
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Handshake (controlModule)
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.PlainJson (writeDoc)
import System.Timeout (timeout)

limitsOf :: Conn -> Limits
limitsOf = ccLimits . connConfig

counters :: Conn -> Counters
counters = ccCounters . connConfig

failure :: ErrorCode -> Text -> Failure
failure code msg = Failure code msg Nothing

codecOf :: Frame -> Codec
codecOf f = fromMaybe CodecJson (codecFromNumber (frameCodec f))

-- | A new exchange of the peer's with this id: the SUBSCRIBE that had it is over, and a CANCEL
-- with it now means the new exchange (docs/wire.md §1.1).
forgetSubscribeId :: Conn -> Word32 -> STM ()
forgetSubscribeId c cid = modifyTVar' (connSubscribeIds c) (IM.delete (key cid))

resolve :: Conn -> Text -> Either Failure (Service, Served)
resolve c target = case splitTarget target of
  Nothing -> Left (failure CodeNotFound ("bad target " <> T.pack (show target)))
  Just (m, fn) -> case Map.lookup m (ccServed (connConfig c)) of
    Nothing -> Left (failure CodeNotFound ("module " <> m <> " is not served here"))
    Just svc -> case Map.lookup fn (serviceFunctions svc) of
      Nothing -> Left (failure CodeUnimplemented (target <> ": no such function"))
      Just s -> Right (svc, s)

running :: Conn -> STM Int
running c = (+) <$> (IM.size <$> readTVar (connHandling c)) <*> (IM.size <$> readTVar (connOneways c))

onRequest :: Conn -> Frame -> IO ()
onRequest c f = do
  let cid = frameCorrelation f
      codec = codecOf f
      refuse = atomically . sendError c cid (frameTarget f) codec
      limits = limitsOf c
  (busy, inUse) <- atomically $ do
    forgetSubscribeId c cid
    (,) <$> running c <*> (IM.member (key cid) <$> readTVar (connHandling c))
  if inUse
    then refuse (failure CodeProtocolError ("correlation " <> T.pack (show cid) <> " already in use"))
    else
      if busy >= maxInFlight limits
        then do
          -- One-way calls being run share the budget: a peer cannot start unbounded work.
          bump (counters c) RejectedRequests
          refuse (failure CodeResourceExhausted ("more than max_in_flight " <> T.pack (show (maxInFlight limits)) <> " requests"))
        else case T.stripPrefix (controlModule <> ".") (frameTarget f) of
          Just member | not (T.any (== '.') member) -> onControl c f member
          _ -> case resolve c (frameTarget f) of
            Left e -> refuse e
            Right (_, served)
              | frameCodec f == 0 && not (BS.null (framePayload f)) -> refuse (failure CodeProtocolError "payload with codec none")
              | frameFlags f .&. (flagStreamIn .|. flagStreamOut) /= streamFlags (servedKind served) ->
                  refuse (failure CodeInvalidArgument (frameTarget f <> " is " <> shape (servedKind served) <> ", called as " <> shape (kindOfFlags (frameFlags f))))
              | Just open <- servedStream served -> case open (maxDepth limits) codec (framePayload f) of
                  Left e -> refuse (failure (errorCode e) (errorMessage e))
                  Right sr -> do
                    token <- newToken c
                    s <- prepareStream c f codec token (servedKind served) sr
                    startHandler c f codec token (ssRun s) (ssAccepted s) (ssDone s)
              | otherwise -> case servedDecode served (maxDepth limits) codec (framePayload f) of
                  Left e -> refuse (failure (errorCode e) (errorMessage e))
                  Right run -> newToken c >>= \token -> startHandler c f codec token run (pure ()) (pure ())

-- | What a REQUEST's STREAM_IN / STREAM_OUT flags call a function as.
kindOfFlags :: Word16 -> FnKind
kindOfFlags flags = case (flags .&. flagStreamIn /= 0, flags .&. flagStreamOut /= 0) of
  (False, False) -> FnCall
  (i, o) -> FnStream i o

shape :: FnKind -> Text
shape k = case k of
  FnStream True True -> "a bidirectional stream"
  FnStream True False -> "a client stream"
  FnStream False True -> "a server stream"
  _ -> "a call"

newToken :: Conn -> IO Int
newToken c = atomically (stateTVar (connNextToken c) (\n -> (n, n + 1)))

-- | Runs a request's handler in its own thread, registered under the request's id before it
-- starts (so a CANCEL that follows at once finds it). @accepted@ runs in the transaction that
-- registers it, @over@ when it ends in whatever way (a stream opens and closes there).
startHandler :: Conn -> Frame -> Codec -> Int -> (CallContext -> IO (Either Failure BS.ByteString)) -> STM () -> STM () -> IO ()
startHandler c f codec token run accepted over = do
  now <- monotonicMs
  peer <- readTVarIO (connPeer c)
  let cid = frameCorrelation f
      deadline = if frameTimeout f > 0 then Just (now + fromIntegral (frameTimeout f)) else Nothing
      ctx = CallContext peer deadline
  registered <- newEmptyTMVarIO
  let mine = do
        h <- IM.lookup (key cid) <$> readTVar (connHandling c)
        pure (fmap handlingToken h == Just token)
      finish = atomically $ do
        over
        m <- mine
        when m $ modifyTVar' (connHandling c) (IM.delete (key cid))
      body = do
        atomically (takeTMVar registered)
        left <- maybe (pure (Just maxBound)) (\d -> Just . (d -) <$> monotonicMs) deadline
        case left of
          Just ms | ms <= 0 -> pure () -- the caller has given up already: not started
          _ -> do
            outcome <- (if isJust deadline then timeout (maybe 0 (* 1000) left) else fmap Just) (run ctx)
            case outcome of
              Nothing -> pure () -- the deadline passed: the caller waits no more
              Just result -> do
                case result of
                  Left _ -> bump (counters c) HandlerErrors
                  Right _ -> pure ()
                answer result
      -- The answer waits for the transport keeping its slot (the peer's further requests are
      -- refused rather than answered into a full buffer), within the caller's deadline.
      answer result = do
        expired <- case deadline of
          Nothing -> pure retry
          Just d -> do
            n <- monotonicMs
            tv <- registerDelay (max 0 (d - n) * 1000)
            pure (readTVar tv >>= check)
        sent <- atomically $ (do
          waitWritable c
          m <- mine
          if not m then pure False else do
            over
            modifyTVar' (connHandling c) (IM.delete (key cid))
            case result of
              Right payload -> sendFrame c (frame Response) {frameCodec = codecNumber codec, frameCorrelation = cid, frameTarget = frameTarget f, framePayload = payload}
              Left e -> sendError c cid (frameTarget f) codec e
            pure (either (const False) (const True) result)) `orElse` (False <$ expired) `orElse` (mine >>= \m -> if m then retry else pure False)
        when sent $ bump (counters c) RequestsServed
  tid <- forkIO (body `finally` finish)
  atomically $ do
    modifyTVar' (connHandling c) (IM.insert (key cid) (Handling tid token))
    accepted
    putTMVar registered ()

onControl :: Conn -> Frame -> Text -> IO ()
onControl c f member = case ccControl (connConfig c) of
  Just answer | member `elem` ["manifest", "health"] -> do
    doc <- answer member
    atomically $ sendAnswer c (frame Response) {frameCodec = 1, frameCorrelation = frameCorrelation f, frameTarget = frameTarget f, framePayload = writeDoc doc}
  _ -> atomically $ sendError c (frameCorrelation f) (frameTarget f) CodecJson (failure CodeUnimplemented (frameTarget f <> ": no such function"))

onCancel :: Conn -> Frame -> IO ()
onCancel c f = do
  let cid = frameCorrelation f
  (handler, late) <- atomically $ do
    handling <- readTVar (connHandling c)
    case IM.lookup (key cid) handling of
      Just h -> do
        writeTVar (connHandling c) (IM.delete (key cid) handling)
        modifyTVar' (connInStreams c) (IM.delete (key cid)) -- its frames are late from now on
        pure (Just (handlingThread h), False)
      Nothing -> do
        withdrawn <- withdrawAnswer c cid
        ids <- readTVar (connSubscribeIds c)
        case IM.lookup (key cid) ids of
          -- A SUBSCRIBE the peer gave up on (it timed out there): it leaves nothing behind.
          Just target -> unregister c target >> pure (Nothing, False)
          Nothing -> pure (Nothing, not withdrawn)
  -- Interrupting a thread waits until it is interrupted: not in the read loop.
  mapM_ (void . forkIO . killThread) handler
  when late $ bump (counters c) LateCancels

onOneway :: Conn -> Frame -> IO ()
onOneway c f = do
  busy <- atomically (running c)
  let limits = limitsOf c
      dropIt = bump (counters c) DroppedOneways
  if busy >= maxInFlight limits
    then dropIt -- nothing to answer: the excess is dropped and counted (docs/wire.md §5)
    else case resolve c (frameTarget f) of
      Left _ -> dropIt
      Right (_, served) -> case servedDecode served (maxDepth limits) (codecOf f) (framePayload f) of
        Left _ -> dropIt
        Right run -> do
          peer <- readTVarIO (connPeer c)
          token <- newToken c
          registered <- newEmptyTMVarIO
          let body = do
                atomically (takeTMVar registered)
                r <- run (CallContext peer Nothing)
                case r of
                  Left _ -> bump (counters c) HandlerErrors
                  Right _ -> pure ()
          tid <- forkIO (body `finally` atomically (modifyTVar' (connOneways c) (IM.delete token)))
          atomically $ do
            modifyTVar' (connOneways c) (IM.insert token tid)
            putTMVar registered ()

onSubscribe :: Conn -> Frame -> IO ()
onSubscribe c f = do
  let cid = frameCorrelation f
      target = frameTarget f
      known = case splitTarget target of
        Just (m, ev) | Just svc <- Map.lookup m (ccServed (connConfig c)) -> ev == "*" || ev `elem` mdEvents (serviceModule svc)
        _ -> False
  atomically $ do
    forgetSubscribeId c cid
    if not known
      then sendError c cid target (codecOf f) (failure CodeNotFound ("no event " <> target))
      else do
        codec <- maybe (readTVar (connSendCodec c)) pure (codecFromNumber (frameCodec f))
        modifyTVar' (connRemoteSubs c) (Map.insert target codec)
        forgetTarget c target
        modifyTVar' (connSubscribeIds c) (IM.insert (key cid) target)
        sendAnswer c (frame Response) {frameCodec = codecNumber codec, frameCorrelation = cid, frameTarget = target}

onUnsubscribe :: Conn -> Frame -> IO ()
onUnsubscribe c f = atomically (unregister c (frameTarget f))

-- | The peer's subscription to @target@ ends: nothing more is sent for it, not even the events
-- that wait for the transport.
unregister :: Conn -> Text -> STM ()
unregister c target = do
  modifyTVar' (connRemoteSubs c) (Map.delete target)
  forgetTarget c target
  dropBacklog c target

-- | No earlier SUBSCRIBE's id stands for the subscription to @target@ any more.
forgetTarget :: Conn -> Text -> STM ()
forgetTarget c target = modifyTVar' (connSubscribeIds c) (IM.filter (/= target))

wantsEvent :: Conn -> Text -> Text -> STM Bool
wantsEvent c m ev = do
  subs <- readTVar (connRemoteSubs c)
  pure (Map.member (m <> "." <> ev) subs || Map.member (m <> ".*") subs)

-- | Sends one EVENT if the peer subscribed to it. Never waits: while the transport is congested
-- the event joins its subscription's queue of at most @max_event_queue@ events, and the policy
-- discards (and counts) one when it is full. @encoded@ gives the payload in a codec (the node
-- encodes once per codec across connections); an exception there counts as unencodable.
connSendEvent :: Conn -> Text -> Text -> (Codec -> IO BS.ByteString) -> IO ()
connSendEvent c m ev encoded = do
  let target = m <> "." <> ev
  route <- atomically $ do
    phase <- readTVar (connPhase c)
    subs <- readTVar (connRemoteSubs c)
    let sub = if Map.member target subs then target else m <> ".*"
    case (phase, Map.lookup sub subs) of
      (Closed _, _) -> pure Nothing
      (_, Nothing) -> pure Nothing
      (_, Just codec) -> do
        (send, droppedOne) <- eventRoom c sub
        pure (Just (sub, codec, send, droppedOne))
  case route of
    Nothing -> pure ()
    Just (sub, codec, send, droppedOne) -> do
      when droppedOne $ bump (counters c) DroppedEvents
      when send $ do
        r <- try (encoded codec >>= evaluate)
        case r of
          Left (_ :: SomeException) -> bump (counters c) UnencodableEvents
          -- In the subscription's codec, also when the payload is empty (docs/wire.md §1.2).
          Right payload -> atomically $ writeEvent c sub (frame Event) {frameCodec = codecNumber codec, frameTarget = target, framePayload = payload}

