{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | How a node reaches a module it does not host (docs/config.md "Reconnection"; the behaviour
-- of the other runtimes' links). A 'Link' owns one connection to a peer: dialed on first use,
-- dialed again by the next call after it drops (a call pending when it drops fails with
-- UNAVAILABLE and is never retried: it may have run). A subscription made over a link is renewed
-- on the next connection after a drop, retrying from 100 ms and backing off to 5 s; its queue
-- (what the subscriber reads) lives across connections.
module Interop.Runtime.Node.Links
  ( Link
  , newLink
  , linkConnection
  , linkCurrent
  , linkSubscribe
  , closeLink
  ) where

import Control.Concurrent
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, void)
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.Connection
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Events
import Interop.Runtime.Limits
import Interop.Runtime.Module

unavailable :: Text -> InteropError
unavailable = interopError CodeUnavailable

data Link = Link
  { linkDescription :: !Text
  , linkOpen :: IO Conn
  , linkConn :: TVar (Maybe Conn)
  , linkDialing :: MVar () -- ^ one dial at a time: concurrent callers share it
  , linkClosed :: TVar Bool
  , linkRenewals :: TVar [ThreadId]
  }

newLink :: Text -> IO Conn -> IO Link
newLink description open = Link description open <$> newTVarIO Nothing <*> newMVar () <*> newTVarIO False <*> newTVarIO []

-- | The connection last opened, if it is still open.
linkCurrent :: Link -> STM (Maybe Conn)
linkCurrent l = do
  mc <- readTVar (linkConn l)
  case mc of
    Nothing -> pure Nothing
    Just c -> do
      open <- connIsOpen c
      pure (if open then Just c else Nothing)

-- | The open connection, dialing (again) when there is none. A failure to connect is
-- UNAVAILABLE; a handshake refusal (SCHEMA_MISMATCH, UNAUTHENTICATED, NOT_FOUND, …) keeps its
-- code.
linkConnection :: Link -> IO Conn
linkConnection l = do
  current <- atomically (linkCurrent l)
  case current of
    Just c -> pure c
    Nothing -> withMVar (linkDialing l) $ \() -> do
      closed <- readTVarIO (linkClosed l)
      if closed then throwIO (unavailable (linkDescription l <> ": node is closing")) else pure ()
      again <- atomically (linkCurrent l)
      case again of
        Just c -> pure c
        Nothing -> do
          r <- try (linkOpen l)
          case r of
            Right c -> atomically (writeTVar (linkConn l) (Just c)) >> pure c
            Left (ex :: SomeException) -> throwIO $ case fromException ex of
              Just (InteropError code msg)
                | code `notElem` [CodeUnavailable, CodeDeadlineExceeded] -> InteropError code msg
                | otherwise -> cannot msg
              Nothing -> cannot (T.pack (show ex))
  where
    cannot msg = unavailable (linkDescription l <> ": cannot connect: " <> msg)

-- | Subscribes over the link now (a failure is the caller's), then keeps the subscription alive
-- across connections until unsubscribed or the link closes.
linkSubscribe :: Counters -> Limits -> Link -> EventSpec e -> IO (Subscription e)
linkSubscribe counters limits l spec = do
  q <- newEventQueue (maxEventQueue limits) (eventQueuePolicy limits)
  c0 <- linkConnection l
  stop0 <- connSubscribe c0 spec q
  current <- newTVarIO (c0, stop0)
  let renew = do
        (c, _) <- readTVarIO current
        atomically (waitClosed c)
        retryFrom 100
      retryFrom ms = do
        threadDelay (ms * 1000)
        done <- atomically ((||) <$> queueClosed q <*> readTVar (linkClosed l))
        unless done $ do
          r <- try $ do
            c <- linkConnection l
            stop <- connSubscribe c spec q
            atomically (writeTVar current (c, stop))
          case r of
            Right () -> renew
            Left (_ :: SomeException) -> retryFrom (min 5000 (ms * 2))
  renewer <- forkIO renew
  atomically (modifyTVar' (linkRenewals l) (renewer :))
  let stop = do
        killThread renewer
        (_, stopInner) <- readTVarIO current
        stopInner
        atomically (closeQueue q)
  pure (subscriptionOf q stop (bump counters EventHandlerErrors))

-- | No more dialing nor renewing; the current connection says GOODBYE (bounded by @graceMs@).
closeLink :: Int -> Link -> IO ()
closeLink graceMs l = do
  renewals <- atomically $ do
    writeTVar (linkClosed l) True
    readTVar (linkRenewals l)
  mapM_ killThread renewals
  mc <- withMVar (linkDialing l) (\() -> readTVarIO (linkConn l))
  mapM_ (\c -> void (try (closeConnection c "node closing" graceMs) :: IO (Either SomeException ()))) mc
