{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The calling side of a connection: this side's exchanges with the peer (docs/wire.md §1.1,
-- §5, §6). REQUEST, SUBSCRIBE and PING each take one of @max_in_flight@ slots, get an id from this
-- side's id space, wait (within their deadline) while the peer does not read, and wait for their
-- answer; a deadline that passes, or a caller that gives up, sends CANCEL and drops the late
-- answer. ONEWAY calls wait in the outbox, at most @max_in_flight@ of them. The events of this
-- side's subscriptions arrive here and go to their bounded queues.
module Interop.Runtime.Connection.Caller
  ( exchange
  , exchangeWith
  , connCall
  , connOneway
  , connSubscribe
  , connPing
  , onAnswer
  , failExchange
  , errorOf
  , onEvent
  , judge
  ) where

import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM, unless, when)
import qualified Data.ByteString as BS
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import qualified Data.Set as Set
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32, Word8)
import Interop.Runtime.Codec
import Interop.Runtime.Codec.Json (JValue (JObject))
import Interop.Runtime.Codec.Msgpack (MValue (MMap))
import Interop.Runtime.Compat (MemberKind (..), verdict)
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.Types
import Interop.Runtime.Connection.Watchdog (pausedWhile)
import Interop.Runtime.Counters
import Interop.Runtime.Envelope
import Interop.Runtime.Error
import Interop.Runtime.Events
import Interop.Runtime.Frame
import Interop.Runtime.Limits
import Interop.Runtime.Module

data Outcome = Answered Frame | Expired | Stopped InteropError | Failed InteropError

limitsOf :: Conn -> Limits
limitsOf = ccLimits . connConfig

counters :: Conn -> Counters
counters = ccCounters . connConfig

-- | Sends a request-like frame (REQUEST, SUBSCRIBE, PING) under a free in-flight slot and waits
-- for its answer (RESPONSE, ERROR, PONG), within @deadline@ (on the 'monotonicMs' clock) and until
-- @cancel@ succeeds.
exchange :: Conn -> FrameKind -> Text -> Word8 -> BS.ByteString -> Maybe Int -> Maybe (STM ()) -> IO Frame
exchange c kind target codec payload deadline cancel =
  exchangeWith c (frame kind) {frameCodec = codec, frameTarget = target, framePayload = payload} deadline
    (maybe retry (interopError CodeCancelled (target <> ": cancelled by the caller") <$) cancel) (const (pure ()))

-- | 'exchange' of a frame (its kind, codec, target, payload and flags; the correlation and the
-- timeout are filled in), failing with the error @stop@ gives once it gives one, and running
-- @sent@ with the correlation id in the transaction that queues the frame (a stream registers
-- itself there and grants its first credit, so nothing of the peer's can arrive before).
exchangeWith :: Conn -> Frame -> Maybe Int -> STM InteropError -> (Word32 -> STM ()) -> IO Frame
exchangeWith c template deadline stop sent = do
  checkOpen c
  expired <- case deadline of
    Nothing -> pure retry
    Just d -> do
      now <- monotonicMs
      tv <- registerDelay (max 0 (d - now) * 1000)
      pure (readTVar tv >>= check)
  let closed = readTVar (connPhase c) >>= \p -> case p of
        Closed reason -> pure reason
        _ -> retry
      giveUp = (Expired <$ expired) `orElse` (Stopped <$> stop) `orElse` (Failed . reopened <$> closed)
      reopened r = unavailable (errorMessage r)
  slot <- atomically $ (Nothing <$ takeSlot) `orElse` (Just <$> giveUp)
  case slot of
    Just outcome -> failWith outcome "no free in-flight slot before the deadline"
    Nothing -> (`finally` atomically (modifyTVar' (connSlots c) (+ 1))) $ do
      room <- atomically $ (Nothing <$ waitWritable c) `orElse` (Just <$> giveUp)
      case room of
        Just outcome -> failWith outcome "the peer read nothing more before the deadline"
        Nothing -> do
          now <- monotonicMs
          pend <- newEmptyTMVarIO
          cid <- atomically $ do
            cid <- newId
            modifyTVar' (connPending c) (IM.insert (key cid) pend)
            let timeout = maybe 0 (\d -> fromIntegral (max 1 (d - now))) deadline
            sendFrame c template {frameCorrelation = cid, frameTimeout = if frameKind template == Request then timeout else 0}
            sent cid
            pure cid
          outcome <- atomically ((answer <$> takeTMVar pend) `orElse` giveUp) `onException` cancelRemote cid
          case outcome of
            Answered f -> pure f
            Failed e -> throwIO e
            _ -> cancelRemote cid >> failWith outcome "deadline exceeded"
  where
    target = frameTarget template
    takeSlot = do
      n <- readTVar (connSlots c)
      when (n <= 0) retry
      writeTVar (connSlots c) (n - 1)
    newId = do
      pending <- readTVar (connPending c)
      let next i = if i == maxBound then 1 else i + 1
          free i = if IM.member (key i) pending then free (next i) else i
      i <- free . next <$> readTVar (connNextId c)
      writeTVar (connNextId c) i
      pure i
    answer = either Failed Answered
    failWith outcome what = case outcome of
      Expired -> throwIO (interopError CodeDeadlineExceeded (target <> ": " <> what))
      Stopped e -> throwIO e
      Failed e -> throwIO e
      Answered _ -> throwIO (interopError CodeInternal "unreachable")
    -- The caller gave up: tell the peer, and drop its late answer.
    cancelRemote cid = atomically $ do
      pending <- readTVar (connPending c)
      when (IM.member (key cid) pending) $ do
        writeTVar (connPending c) (IM.delete (key cid) pending)
        sendFrame c (frame Cancel) {frameCorrelation = cid}

-- | Throws the error a call of (or subscription to) @name@ of @m@ fails with on this peer, before
-- anything is sent (docs/wire.md §2.2): a module the peer offers with our fingerprint can be used
-- entirely; one with another fingerprint member by member, as the two compatibility tables say.
-- Judged once per member and remembered for the life of the connection.
judge :: Conn -> ModuleDesc -> MemberKind -> Text -> IO ()
judge c m kind name = do
  refusal <- atomically $ do
    offers <- readTVar (connPeerOffers c)
    case lookup (mdName m) offers of
      Just fp | fp == mdFingerprint m -> pure Nothing
      _ -> do
        known <- Map.lookup k <$> readTVar (connVerdicts c)
        case known of
          Just v -> pure v
          Nothing -> do
            peer <- readTVar (connPeer c)
            compat <- readTVar (connPeerCompat c)
            let v = decide (if T.null peer then "the peer" else peer) offers compat
            modifyTVar' (connVerdicts c) (Map.insert k v)
            pure v
  mapM_ (\(InteropError code msg) -> throwIO (InteropError code msg)) refusal
  where
    k = (mdName m, kind == FunctionMember, name)
    decide peer offers compat = case lookup (mdName m) offers of
      Nothing -> Just (interopError CodeNotFound (peer <> " does not offer module " <> mdName m))
      Just theirFp -> case (mdCompat m, lookup (mdName m) compat) of
        (Just ours, Just theirs) -> verdict kind (mdName m) name ours theirs
        _ -> Just (interopError CodeSchemaMismatch ("module " <> mdName m <> ": this side was generated from " <> mdFingerprint m <> ", " <> peer <> " has " <> theirFp <> ", and without both compatibility tables nothing can be called"))

-- | A call over the connection.
connCall :: Conn -> CallOptions -> CallSpec p r -> p -> IO r
connCall c opts spec p = do
  judge c (callModule spec) FunctionMember (callFunction spec)
  let timeoutMs = fromMaybe (defaultDeadlineMs (limitsOf c)) (callTimeoutMs opts)
  now <- monotonicMs
  codec <- sendCodecFor c (callTarget spec)
  payload <- evaluate (encodePayload (callParams spec) codec p)
  f <- exchange c Request (callTarget spec) (codecNumber codec) payload (if timeoutMs > 0 then Just (now + timeoutMs) else Nothing) (callCancel opts)
  if frameKind f == ErrorFrame
    then errorOf c (mdErrors (callModule spec)) f >>= throwIO
    else do
      let replyCodec = fromMaybe codec (codecFromNumber (frameCodec f))
      either throwIO pure (decodePayload (callResult spec) (maxDepth (limitsOf c)) replyCodec (framePayload f))

-- | The exception a caller sees for an ERROR frame: a declared error as its own type, anything
-- else as InteropError.
errorOf :: Conn -> [ErrorSpec] -> Frame -> IO SomeException
errorOf c known f = do
  let codec = fromMaybe CodecJson (codecFromNumber (frameCodec f))
  pure $ case decodeEnvelope (maxDepth (limitsOf c)) codec (framePayload f) of
    Left e -> toException (interopError CodeUnknown ("undecodable error envelope: " <> errorMessage e))
    Right env -> envelopeError codec known env

envelopeError :: Codec -> [ErrorSpec] -> Envelope -> SomeException
envelopeError codec known env =
  let code = ErrorCode (envCode env)
      message = case envType env of
        Just t | code == CodeApplicationError -> t <> ": " <> envMessage env
        _ -> envMessage env
   in case (code, envType env) of
        (CodeApplicationError, Just t) | (s : _) <- filter ((== t) . errorName) known ->
          case errorRaise s (fromMaybe emptyDetail (envDetail env)) of
            Right ex -> ex
            Left e -> toException (interopError CodeInvalidArgument ("undecodable " <> t <> ": " <> errorMessage e))
        _ -> toException (InteropError code message)
  where
    -- No detail: the error's fields all take their zero values.
    emptyDetail = case codec of
      CodecJson -> JsonDetail (JObject [])
      CodecMsgpack -> MsgpackDetail (MMap [])
      CodecProtobuf -> PbDetail 0 BS.empty
      CodecFlatbuffers -> FbDetail 1 BS.empty

-- | Sends a ONEWAY, or holds it while the peer is not reading; RESOURCE_EXHAUSTED at once when
-- @max_in_flight@ one-way calls already wait.
connOneway :: Conn -> OnewaySpec p -> p -> IO ()
connOneway c spec p = do
  checkOpen c
  judge c (onewayModule spec) FunctionMember (onewayFunction spec)
  codec <- sendCodecFor c (onewayTarget spec)
  payload <- evaluate (encodePayload (onewayParams spec) codec p)
  ok <- atomically $ do
    held <- readTVar (connHeldOneways c)
    free <- writable c
    if held >= maxInFlight (limitsOf c) && not free
      then pure False
      else do
        sendOneway c (frame Oneway) {frameCodec = codecNumber codec, frameTarget = onewayTarget spec, framePayload = payload}
        pure True
  unless ok $ throwIO (interopError CodeResourceExhausted (onewayTarget spec <> ": " <> T.pack (show (maxInFlight (limitsOf c))) <> " one-way calls already wait for the peer to read"))

-- | Subscribes this connection's events of @spec@ into @queue@; returns the action that ends it.
-- A SUBSCRIBE goes out only when no subscription of ours to the event stands on this connection:
-- a second one shares it (one UNSUBSCRIBE when the last goes), so a SUBSCRIBE that times out,
-- whose CANCEL withdraws the peer's subscription (docs/wire.md §6), never takes one that stands.
-- The subscription is registered before the SUBSCRIBE goes and withdrawn if it fails: the peer
-- may send its first EVENT right behind the RESPONSE, and the read loop delivers that EVENT before
-- this thread wakes up. A second subscriber waits while the first one's SUBSCRIBE is unanswered.
connSubscribe :: Conn -> EventSpec e -> EventQueue e -> IO (IO ())
connSubscribe c spec queue = do
  let target = eventTarget spec
  judge c (eventModule spec) EventMember (eventName spec)
  checkOpen c
  (sid, first) <- atomically $ do
    subscribing <- Set.member target <$> readTVar (connSubscribing c)
    when subscribing retry
    sid <- readTVar (connNextSubId c)
    writeTVar (connNextSubId c) (sid + 1)
    standing <- not . null . Map.findWithDefault [] target <$> readTVar (connLocalSubs c)
    modifyTVar' (connLocalSubs c) (Map.insertWith (<>) target [LocalSub sid (decodePayload (eventPayload spec)) queue (eventQueuePolicy (limitsOf c))])
    unless standing $ modifyTVar' (connSubscribing c) (Set.insert target)
    pure (sid, not standing)
  when first $ do
    now <- monotonicMs
    codec <- sendCodecFor c target
    -- The SUBSCRIBE's codec names the codec we want the events in.
    let subscribe = do
          reply <- exchange c Subscribe target (codecNumber codec) BS.empty (Just (now + defaultDeadlineMs (limitsOf c))) Nothing
          when (frameKind reply == ErrorFrame) (errorOf c [] reply >>= throwIO)
        settled = modifyTVar' (connSubscribing c) (Set.delete target)
    (subscribe >> atomically settled) `onException` atomically (settled >> withdraw sid)
  pure $ atomically $ do
    gone <- withdraw sid
    phase <- readTVar (connPhase c)
    case phase of
      Closed _ -> pure ()
      _ -> when gone $ sendFrame c (frame Unsubscribe) {frameTarget = target}
  where
    -- Removes subscription @sid@; True when it was the event's last one here.
    withdraw sid = do
      let target = eventTarget spec
      subs <- Map.findWithDefault [] target <$> readTVar (connLocalSubs c)
      let rest = filter ((/= sid) . lsId) subs
      if length rest == length subs
        then pure False
        else if null rest
          then modifyTVar' (connLocalSubs c) (Map.delete target) >> pure True
          else modifyTVar' (connLocalSubs c) (Map.insert target rest) >> pure False

-- | A PING's round trip, in milliseconds.
connPing :: Conn -> Int -> BS.ByteString -> IO Int
connPing c timeoutMs payload = do
  start <- monotonicMs
  reply <- exchange c Ping "" 0 payload (Just (start + timeoutMs)) Nothing
  unless (framePayload reply == payload) $ throwIO (interopError CodeProtocolError "PONG did not echo the PING payload")
  subtract start <$> monotonicMs

-- | A RESPONSE, ERROR or PONG for one of our exchanges; a late one is dropped and counted.
onAnswer :: Conn -> Frame -> IO ()
onAnswer c f = do
  delivered <- atomically $ do
    pending <- readTVar (connPending c)
    case IM.lookup (key (frameCorrelation f)) pending of
      Nothing -> pure False
      Just p -> do
        writeTVar (connPending c) (IM.delete (key (frameCorrelation f)) pending)
        tryPutTMVar p (Right f)
  unless delivered $ bump (counters c) LateResponses

-- | An answer to exchange @correlation@ was malformed: fail the exchange with @problem@
-- (docs/wire.md §1.4). False when no exchange of ours waits for that id.
failExchange :: Conn -> Word32 -> InteropError -> STM Bool
failExchange c correlation problem = do
  pending <- readTVar (connPending c)
  case IM.lookup (key correlation) pending of
    Nothing -> pure False
    Just p -> do
      writeTVar (connPending c) (IM.delete (key correlation) pending)
      tryPutTMVar p (Left problem)

-- | An EVENT for this side's subscriptions: decoded once per subscription, queued by its
-- policy; a @block@ subscription whose queue is full stops this read loop until it has room.
onEvent :: Conn -> Frame -> IO ()
onEvent c f = do
  let target = frameTarget f
      wildcard = maybe [] (\(m, _) -> [m <> ".*"]) (splitTarget target)
  subs <- atomically $ do
    all' <- readTVar (connLocalSubs c)
    pure (concatMap (\t -> Map.findWithDefault [] t all') (target : wildcard))
  if null subs
    then bump (counters c) UnsolicitedEvents
    else do
      let codec = fromMaybe CodecJson (codecFromNumber (frameCodec f))
      results <- forM subs $ \(LocalSub _ decode queue policy) ->
        case decode (maxDepth (limitsOf c)) codec (framePayload f) of
          Left _ -> pure (Left ())
          Right v -> Right <$> deliver queue policy v
      when (any isLeft results) $ bump (counters c) UndecodableEvents
      bumpBy (counters c) DroppedEvents (sum [n | Right n <- results])
  where
    isLeft (Left _) = True
    isLeft _ = False
    deliver queue policy v = do
      when (policy == Block) $ do
        room <- atomically (hasRoom queue)
        unless room $ do
          bump (counters c) PausedReads
          pausedWhile c (atomically (hasRoom queue >>= check))
      atomically (offerEvent queue v)
