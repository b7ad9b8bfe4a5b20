{-# LANGUAGE OverloadedStrings #-}
-- | What a connection writes, and what waits while the peer does not read (docs/wire.md §5).
--
-- Every frame joins the outbox and one writer thread sends what waits, as one gather write per
-- batch. The bytes in the outbox plus those being sent are the transport's buffer: past
-- 'highWater' the connection is congested, and then requests wait before they are queued (within
-- their deadline), a handler's answer waits keeping its in-flight slot, and events for the peer's
-- subscriptions wait apart, in one bounded queue per subscription (the backlog), going out after
-- the outbox in the order they were published. What the read loop answers by itself (PONG,
-- refusals, acknowledgements, control documents) is counted: past @max_in_flight@ of them the
-- read loop stops reading the peer.
module Interop.Runtime.Connection.Outbound
  ( sendFrame
  , sendAnswer
  , sendOneway
  , sendError
  , connectionError
  , withdrawAnswer
  , writable
  , waitWritable
  , writerLoop
  , eventRoom
  , writeEvent
  , dropBacklog
  , brokenByPeer
  ) where

import Control.Concurrent.STM
import Control.Exception
import Control.Monad (when)
import qualified Data.ByteString as BS
import qualified Data.Map.Strict as Map
import Data.Sequence ((|>))
import qualified Data.Sequence as Seq
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32)
import Interop.Runtime.Codec (Codec (..), codecNumber)
import Interop.Runtime.Connection.Types
import Interop.Runtime.Counters (Counter (RejectedFrames), bump)
import Interop.Runtime.Envelope (encodeEnvelope)
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Limits
import Interop.Runtime.Module (Failure (..))
import Interop.Runtime.Transport

-- | A frame as the chunks it is written in: the header, and the payload apart when it is large
-- (so a big payload is never copied).
chunksOf :: Frame -> ([BS.ByteString], Int)
chunksOf f =
  let payload = framePayload f
      headBytes = encodeFrameHead f (BS.length payload)
      size = BS.length headBytes + BS.length payload
   in if BS.length payload <= 8192 then ([headBytes <> payload], size) else ([headBytes, payload], size)

enqueue :: Conn -> HeldKind -> Frame -> STM ()
enqueue c kind f = do
  phase <- readTVar (connPhase c)
  case phase of
    Closed _ -> pure ()
    _ -> do
      let (chunks, size) = chunksOf f
      modifyTVar' (connOutbox c) (|> Held kind (frameCorrelation f) chunks size)
      modifyTVar' (connOutboxBytes c) (+ size)
      case kind of
        HeldAnswer -> modifyTVar' (connHeldAnswers c) (+ 1)
        HeldOneway -> modifyTVar' (connHeldOneways c) (+ 1)
        HeldOther -> pure ()

sendFrame :: Conn -> Frame -> STM ()
sendFrame c = enqueue c HeldOther

-- | A ONEWAY: bounded by @max_in_flight@ while the peer does not read.
sendOneway :: Conn -> Frame -> STM ()
sendOneway c = enqueue c HeldOneway

-- | A frame the read loop sends in answer to the peer's (PONG, refusals, acknowledgements).
sendAnswer :: Conn -> Frame -> STM ()
sendAnswer c = enqueue c HeldAnswer

-- | An ERROR for the peer's exchange @correlation@, in the request's codec.
sendError :: Conn -> Word32 -> Text -> Codec -> Failure -> STM ()
sendError c correlation target codec failure =
  sendAnswer c (frame ErrorFrame)
    { frameCodec = codecNumber codec
    , frameCorrelation = correlation
    , frameTarget = target
    , framePayload = encodeEnvelope codec (failCode failure) (failMessage failure) (failDeclared failure)
    }

-- | A connection-level ERROR (correlation 0, empty target, JSON), then close: the stream cannot
-- be trusted any more. Written straight to the transport, ahead of whatever waits.
connectionError :: Conn -> InteropError -> IO ()
connectionError c e = do
  let f = (frame ErrorFrame) {frameCodec = 1, framePayload = encodeEnvelope CodecJson (errorCode e) (errorMessage e) Nothing}
  _ <- try (transportSend (connTransport c) [encodeFrame f]) :: IO (Either SomeException ())
  shutdown c (unavailable ("connection closed: " <> errorMessage e))

-- | The peer cancelled an exchange whose answer still waits in the outbox: it is not sent.
withdrawAnswer :: Conn -> Word32 -> STM Bool
withdrawAnswer c correlation = do
  held <- readTVar (connHeldAnswers c)
  if held == 0
    then pure False
    else do
      box <- readTVar (connOutbox c)
      case Seq.findIndexL (\h -> heldKind h == HeldAnswer && heldCorrelation h == correlation && not (null (heldChunks h))) box of
        Nothing -> pure False
        Just i -> do
          let h = Seq.index box i
          writeTVar (connOutbox c) (Seq.update i h {heldChunks = [], heldSize = 0} box)
          modifyTVar' (connOutboxBytes c) (subtract (heldSize h))
          modifyTVar' (connHeldAnswers c) (subtract 1)
          pure True

-- | Whether a frame may be queued now: the transport holds less than its high-water mark (or the
-- connection closed: the writer then fails at once).
writable :: Conn -> STM Bool
writable c = do
  phase <- readTVar (connPhase c)
  case phase of
    Closed _ -> pure True
    _ -> do
      queued <- (+) <$> readTVar (connOutboxBytes c) <*> readTVar (connSending c)
      pure (queued <= highWater)

waitWritable :: Conn -> STM ()
waitWritable c = writable c >>= check

-- | The writer thread: sends what waits, oldest first: the outbox as one batch, then the events
-- of the peer's subscriptions in the order they were published. Ends when the connection closes
-- or the transport fails (which closes it).
writerLoop :: Conn -> IO ()
writerLoop c = loop
  where
    loop = do
      next <- atomically takeBatch
      case next of
        Nothing -> pure ()
        Just (chunks, size) -> do
          r <- try (transportSend (connTransport c) chunks) :: IO (Either SomeException ())
          atomically (modifyTVar' (connSending c) (subtract size) >> writeTVar (connWrote c) True)
          case r of
            Right () -> loop
            Left e
              | Just (TransportBroken why) <- fromException e -> brokenByPeer c why
              | otherwise -> shutdown c (unavailable ("write failed: " <> errorText e))
    takeBatch = do
      phase <- readTVar (connPhase c)
      case phase of
        Closed _ -> pure Nothing
        _ -> do
          box <- readTVar (connOutbox c)
          if not (Seq.null box)
            then do
              writeTVar (connOutbox c) Seq.empty
              writeTVar (connOutboxBytes c) 0
              let answers = length (Seq.filter (\h -> heldKind h == HeldAnswer && not (null (heldChunks h))) box)
                  oneways = length (Seq.filter ((== HeldOneway) . heldKind) box)
              modifyTVar' (connHeldAnswers c) (subtract answers)
              modifyTVar' (connHeldOneways c) (subtract oneways)
              let size = sum (fmap heldSize box)
              writeTVar (connSending c) size
              pure (Just (concatMap heldChunks (foldr (:) [] box), size))
            else do
              n <- readTVar (connBacklogLen c)
              when (n == 0) retry
              backlog <- readTVar (connBacklog c)
              let oldest = snd (minimum [(fst (Seq.index q 0), k) | (k, q) <- Map.toList backlog, not (Seq.null q)])
                  q = backlog Map.! oldest
                  (_, chunks) = Seq.index q 0
                  rest = Seq.drop 1 q
                  size = sum (map BS.length chunks)
              writeTVar (connBacklog c) (if Seq.null rest then Map.delete oldest backlog else Map.insert oldest rest backlog)
              writeTVar (connBacklogLen c) (n - 1)
              writeTVar (connSending c) size
              pure (Just (chunks, size))

-- | The peer broke the bytes below the frames (a shm ring index it cannot have written): the
-- connection closes with UNAVAILABLE, counted as a rejected frame (docs/wire.md §9.3).
brokenByPeer :: Conn -> Text -> IO ()
brokenByPeer c why = bump (ccCounters (connConfig c)) RejectedFrames >> shutdown c (unavailable why)

errorText :: SomeException -> Text
errorText = T.pack . show

-- | Before an event for the peer's subscription @sub@ is encoded: when @max_event_queue@ events
-- already wait for it, counts a drop and makes room (drop_oldest), or says to discard the
-- arriving event (drop_newest, and block: publishing never waits). Returns whether to send the
-- arriving event, and whether one was dropped (for the health counter).
eventRoom :: Conn -> Text -> STM (Bool, Bool)
eventRoom c sub = do
  backlog <- readTVar (connBacklog c)
  let limits = ccLimits (connConfig c)
  case Map.lookup sub backlog of
    Just q | Seq.length q >= maxEventQueue limits -> do
      modifyTVar' (connOutboundDropped c) (Map.insertWith (+) sub 1)
      if eventQueuePolicy limits /= DropOldest
        then pure (False, True)
        else do
          let rest = Seq.drop 1 q
          writeTVar (connBacklog c) (if Seq.null rest then Map.delete sub backlog else Map.insert sub rest backlog)
          modifyTVar' (connBacklogLen c) (subtract 1)
          pure (True, True)
    _ -> pure (True, False)

-- | Queues an encoded EVENT: straight into the outbox when nothing waits and the transport is
-- not congested, else behind what waits for subscription @sub@.
writeEvent :: Conn -> Text -> Frame -> STM ()
writeEvent c sub f = do
  waiting <- readTVar (connBacklogLen c)
  free <- writable c
  if waiting == 0 && free
    then sendFrame c f
    else do
      n <- readTVar (connEventSeq c)
      writeTVar (connEventSeq c) (n + 1)
      let (chunks, _) = chunksOf f
      modifyTVar' (connBacklog c) (Map.insertWith (flip (<>)) sub (Seq.singleton (n, chunks)))
      modifyTVar' (connBacklogLen c) (+ 1)

-- | The peer no longer wants the events that wait for subscription @sub@.
dropBacklog :: Conn -> Text -> STM ()
dropBacklog c sub = do
  backlog <- readTVar (connBacklog c)
  case Map.lookup sub backlog of
    Nothing -> pure ()
    Just q -> do
      writeTVar (connBacklog c) (Map.delete sub backlog)
      modifyTVar' (connBacklogLen c) (subtract (Seq.length q))
