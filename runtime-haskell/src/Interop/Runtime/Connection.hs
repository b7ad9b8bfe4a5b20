{-# LANGUAGE OverloadedStrings #-}
-- | One link to one peer over a 'Transport': handshake, correlation of requests and responses,
-- deadlines, cancellation, @max_in_flight@ both ways, subscriptions with bounded queues, ping,
-- GOODBYE, and UNAVAILABLE for every pending call when the peer goes (docs/wire.md §1, §2,
-- §4-§6). Both sides may start exchanges: each keeps its own correlation id space.
--
-- The parts, one module each, share the state of "Interop.Runtime.Connection.Types":
--
-- > Outbound  the outbox, the writer thread, the per-subscription event backlog (flow control)
-- > Caller    this side's exchanges: call, oneway, subscribe, ping; slots, deadlines, CANCEL
-- > Serving   the peer's exchanges: requests, one-way calls, its subscriptions, the control channel
-- > StreamCaller, StreamServing   the two sides of a stream (items, credit, ends)
-- > Inbound   the read loop, the handshake, the dispatch of frames
module Interop.Runtime.Connection
  ( Conn
  , ConnConfig (..)
  , openConnection
  , refuseConnection
  , closeConnection
  , waitClosed
  , connIsOpen
  , connClosed
  , connPeerName
  , connCall
  , connOneway
  , connSubscribe
  , connStream
  , connPing
  , connSendEvent
  , callControl
  , connDescription
  , connBuffered
  ) where

import Control.Concurrent (forkIO)
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, when)
import qualified Data.IntMap.Strict as IM
import Data.Text (Text)
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Connection.Caller
import Interop.Runtime.Connection.Inbound
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.Serving
import Interop.Runtime.Connection.StreamCaller (connStream)
import Interop.Runtime.Connection.Types
import Interop.Runtime.Connection.Watchdog (idleWatch)
import Interop.Runtime.Codec (Codec (..))
import Interop.Runtime.Envelope (encodeEnvelope)
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Handshake (controlModule)
import Interop.Runtime.Limits (Limits (..))
import Interop.Runtime.Module
import Interop.Runtime.PlainJson
import Interop.Runtime.Transport

-- | Starts the reader and writer, runs the handshake (the initiator sends HELLO) within
-- @handshake_timeout_ms@, and returns the open connection; throws the handshake's failure (the
-- transport is then closed).
openConnection :: ConnConfig -> Transport -> IO Conn
openConnection cfg t = do
  now <- monotonicMs
  c <- newConn cfg t now
  reader <- forkIO (readLoop c)
  writer <- forkIO (writerLoop c)
  atomically (writeTVar (connThreads c) [reader, writer])
  if ccInitiator cfg then sendHello c else pure ()
  expired <- registerDelay (handshakeTimeoutMs (ccLimits cfg) * 1000)
  r <- atomically $ (Just <$> readTMVar (connHandshake c)) `orElse` (Nothing <$ (readTVar expired >>= check))
  case r of
    Just (Right ()) -> do
      when (ccCloseWhenIdle cfg) $ do
        watch <- forkIO (idleWatch c)
        atomically (modifyTVar' (connThreads c) (watch :))
      pure c
    Just (Left e) -> shutdown c e >> throwIO (InteropError (errorCode e) (errorMessage e))
    Nothing -> do
      shutdown c (unavailable "handshake timed out")
      throwIO (interopError CodeDeadlineExceeded "handshake timed out")
  `onException` transportClose t

-- | Refuses a connection before its handshake: one connection-level ERROR (correlation 0, JSON),
-- which an initiator reads as the answer to its HELLO, then close.
refuseConnection :: Transport -> InteropError -> IO ()
refuseConnection t e = do
  let f = (frame ErrorFrame) {frameCodec = 1, framePayload = encodeEnvelope CodecJson (errorCode e) (errorMessage e) Nothing}
  _ <- try (transportSend t [encodeFrame f]) :: IO (Either IOException ())
  transportClose t

-- | Clean close: GOODBYE, answer what was accepted, wait (at most @graceMs@) for our own calls
-- and for what waits to be written, then close.
closeConnection :: Conn -> Text -> Int -> IO ()
closeConnection c reason graceMs = do
  closed <- atomically (connClosed c)
  unless closed $ do
    atomically $ do
      sent <- readTVar (connGoodbyeSent c)
      unless sent $ do
        writeTVar (connGoodbyeSent c) True
        sendFrame c (frame Goodbye) {framePayload = utf8 reason}
    expired <- registerDelay (graceMs * 1000)
    atomically $ (readTVar expired >>= check) `orElse` (do
      done <- connClosed c
      unless done $ do
        pending <- readTVar (connPending c)
        handling <- readTVar (connHandling c)
        box <- readTVar (connOutboxBytes c)
        sending <- readTVar (connSending c)
        backlog <- readTVar (connBacklogLen c)
        check (IM.null pending && IM.null handling && box == 0 && sending == 0 && backlog == 0))
    shutdown c (unavailable ("connection closed" <> (if reason == "" then "" else ": " <> reason)))
  where
    utf8 = TE.encodeUtf8

connClosed :: Conn -> STM Bool
connClosed c = readTVar (connPhase c) >>= \p -> pure (case p of Closed _ -> True; _ -> False)

waitClosed :: Conn -> STM ()
waitClosed c = connClosed c >>= check

connIsOpen :: Conn -> STM Bool
connIsOpen = isOpen

connPeerName :: Conn -> STM Text
connPeerName = readTVar . connPeer

connDescription :: Conn -> Text
connDescription = transportDescription . connTransport

-- | Bytes waiting to be written (tests and measurements).
connBuffered :: Conn -> STM Int
connBuffered c = (+) <$> readTVar (connOutboxBytes c) <*> readTVar (connSending c)

-- | Calls @interop.control.<member>@ and returns its plain JSON document (docs/wire.md §7).
callControl :: Conn -> Text -> Int -> IO Doc
callControl c member timeoutMs = do
  now <- monotonicMs
  f <- exchange c Request (controlModule <> "." <> member) 1 "{}" (Just (now + timeoutMs)) Nothing
  if frameKind f == ErrorFrame
    then errorOf c [] f >>= throwIO
    else either throwIO pure (parseDoc (framePayload f))

