{-# LANGUAGE OverloadedStrings #-}
-- | A connection's clocks after its handshake (docs/wire.md §5.1):
--
-- * every frame must be complete within @frame_timeout_ms@ of its first byte, or the peer gets
--   one ERROR (RESOURCE_EXHAUSTED) and the connection closes (@frame_timeouts@); the read loop
--   keeps that clock (see 'frameTimedOut'), counting only the time it waits for bytes,
--   so time spent with reading paused does not count;
-- * a connection accepted on a listener is checked every @idle_timeout_ms@ ('idleWatch') and
--   closed with GOODBYE when it received and wrote nothing since the last check and nothing is
--   going on (@idle_timeouts@).
module Interop.Runtime.Connection.Watchdog
  ( idleWatch
  , frameTimedOut
  , pausedWhile
  ) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.STM
import Control.Exception (finally)
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.Types
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Limits

-- | The read loop stops reading the peer while @act@ runs (a full queue, answers not read).
pausedWhile :: Conn -> IO a -> IO a
pausedWhile c act = do
  atomically (writeTVar (connPaused c) True)
  act `finally` atomically (writeTVar (connPaused c) False)

-- | A frame did not complete in time: one ERROR, then close.
frameTimedOut :: Conn -> IO ()
frameTimedOut c = do
  let ms = frameTimeoutMs (ccLimits (connConfig c))
  bump (ccCounters (connConfig c)) FrameTimeouts
  connectionError c (interopError CodeResourceExhausted ("frame not complete within " <> T.pack (show ms) <> " ms (frame_timeout_ms)"))

-- | Something is going on: an exchange either way, a subscription either way, bytes waiting to be
-- written, reading paused, part of a frame held.
busy :: Conn -> STM Bool
busy c = or <$> sequence
  [ not . IM.null <$> readTVar (connPending c)
  , not . IM.null <$> readTVar (connHandling c)
  , not . IM.null <$> readTVar (connOneways c)
  , not . Map.null <$> readTVar (connLocalSubs c)
  , not . Map.null <$> readTVar (connRemoteSubs c)
  , (> 0) <$> readTVar (connOutboxBytes c)
  , (> 0) <$> readTVar (connSending c)
  , (> 0) <$> readTVar (connBacklogLen c)
  , readTVar (connPaused c)
  , (> 0) <$> readTVar (connPartial c)
  ]

-- | Runs for the life of an accepted connection: every @idle_timeout_ms@, closes it when idle.
-- The GOODBYE's sender waits for the peer to close (a REQUEST sent before the peer read the
-- GOODBYE is still answered), at most @handshake_timeout_ms@.
idleWatch :: Conn -> IO ()
idleWatch c = loop
  where
    limits = ccLimits (connConfig c)
    ms = max 1 (idleTimeoutMs limits)
    loop = do
      threadDelay (ms * 1000)
      verdict <- atomically $ do
        phase <- readTVar (connPhase c)
        case phase of
          Closed _ -> pure Nothing
          _ -> do
            quiet <- not <$> ((||) <$> readTVar (connReceived c) <*> readTVar (connWrote c))
            going <- busy c
            writeTVar (connReceived c) False
            writeTVar (connWrote c) False
            pure (Just (quiet && not going))
      case verdict of
        Nothing -> pure ()
        Just False -> loop
        Just True -> do
          let reason = "idle for " <> T.pack (show ms) <> " ms"
          bump (ccCounters (connConfig c)) IdleTimeouts
          atomically $ do
            writeTVar (connGoodbyeSent c) True
            sendFrame c (frame Goodbye) {framePayload = TE.encodeUtf8 reason}
          expired <- registerDelay (handshakeTimeoutMs limits * 1000)
          atomically $ (readTVar expired >>= check) `orElse` (readTVar (connPhase c) >>= \p -> case p of Closed _ -> pure (); _ -> retry)
          shutdown c (unavailable ("connection closed: " <> reason))
