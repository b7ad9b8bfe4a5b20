{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | A stream of a function hosted in this process (docs/wire.md §8): no encoding and no frames,
-- but the same window, ends, errors and cancellation as over a connection, through the same
-- 'Inbox' and 'Credit': each direction's inbox grants straight into its sender's credit.
module Interop.Runtime.Direct.Stream
  ( directStream
  ) where

import Control.Concurrent
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, void, when)
import Data.Dynamic (fromDynamic)
import qualified Data.Map.Strict as Map
import Data.Maybe (fromMaybe, isJust)
import qualified Data.Text as T
import Data.Typeable (Typeable)
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Stream

-- | Starts a stream of a function of @svc@: its handler runs in a thread of its own, under the
-- deadline, interrupted when the caller cancels or stops reading.
directStream :: forall p i o r. (Typeable p, Typeable i, Typeable o, Typeable r) => Counters -> Limits -> Service -> CallOptions -> StreamSpec p i o r -> p -> Source i -> IO (StreamHandle o r)
directStream counters limits svc opts spec p source = do
  let target = streamTarget spec
  served <- maybe (throwIO (interopError CodeUnimplemented (target <> ": no such function"))) pure (Map.lookup (streamFunction spec) (serviceFunctions svc))
  impl <- maybe (throwIO (interopError CodeInternal (target <> ": the handler's type does not match the client's"))) pure
    (fromDynamic (servedDirect served) :: Maybe (p -> Items i -> Emit o -> CallContext -> IO r))
  let timeoutMs = fromMaybe (defaultDeadlineMs limits) (callTimeoutMs opts)
      window = streamWindow limits
  now <- monotonicMs
  let deadline = if timeoutMs > 0 then Just (now + timeoutMs) else Nothing
  expired <- case deadline of
    Nothing -> pure retry
    Just _ -> registerDelay (timeoutMs * 1000) >>= \tv -> pure (readTVar tv >>= check)
  (inCredit, outCredit) <- atomically ((,) <$> newCredit <*> newCredit)
  (input, output) <- atomically $ do
    input <- newInbox window (void . creditGrant inCredit)
    output <- newInbox window (void . creditGrant outCredit)
    inboxOpen output
    when (isJust (streamInput spec)) (inboxOpen input)
    pure (input, output)
  stopVar <- newEmptyTMVarIO
  outcome <- newEmptyTMVarIO
  finished <- newEmptyTMVarIO
  let over = not <$> isEmptyTMVar outcome
      stopWith e = void (tryPutTMVar stopVar e)
      send x = atomically (creditTake outCredit >> void (inboxPush output x))
      noOutput _ = throwIO (interopError CodeInternal (target <> " has no output"))
      items = if isJust (streamInput spec) then inboxItems input else Items (pure Nothing)
      handler = impl p items (Emit (if isJust (streamOutput spec) then send else noOutput)) (CallContext "local" deadline) >>= evaluate
      -- The caller's items, pulled only under the handler's credit.
      pump = do
        go <- atomically $ (False <$ (over >>= check)) `orElse` (True <$ creditTake inCredit)
        when go $ do
          next <- pullItem source
          case next of
            Nothing -> atomically (inboxEnd input)
            Just x -> atomically (void (inboxPush input x)) >> pump
      runPump = pump `catch` \(e :: SomeException) -> case fromException e of
        Just (_ :: SomeAsyncException) -> pure ()
        Nothing -> atomically (stopWith (interopError CodeCancelled (target <> ": the input failed: " <> T.pack (show e))))
      settle r = case r of
        Right (Right v) -> do
          atomically (inboxEnd output)
          pure (Right v)
        Right (Left ex) -> do
          bump counters HandlerErrors
          let f = classifyFailure (mdErrors (streamModule spec)) (streamThrows spec) ex
              seen = case (failDeclared f, fromException ex) of
                (Just _, _) -> ex -- a declared error reaches the caller as itself
                (_, Just (e :: InteropError)) -> toException e
                _ -> toException (InteropError (failCode f) (failMessage f))
          atomically (inboxFail output False seen)
          pure (Left seen)
        Left e -> do
          atomically (inboxFail output True (toException e))
          pure (Left (toException e))
      driver = do
        worker <- newEmptyTMVarIO
        htid <- forkIO (try handler >>= atomically . putTMVar worker)
        pumper <- if isJust (streamInput spec) then Just <$> forkIO runPump else pure Nothing
        r <- atomically $
          (Right <$> readTMVar worker)
            `orElse` (Left (interopError CodeDeadlineExceeded (target <> ": deadline exceeded")) <$ expired)
            `orElse` (Left <$> readTMVar stopVar)
            `orElse` (Left (interopError CodeCancelled (target <> ": cancelled by the caller")) <$ fromMaybe retry (callCancel opts))
        -- Ended on the caller's side: the handler learns it as a cancelled call does.
        either (const (killThread htid)) (const (pure ())) r
        mapM_ killThread pumper
        settle r >>= atomically . putTMVar outcome
  _ <- forkIO (driver `finally` atomically (putTMVar finished ()))
  let close = do
        atomically $ do
          o <- over
          unless o $ stopWith (interopError CodeCancelled (target <> ": the caller stopped reading"))
          inboxStop output
        atomically (readTMVar finished)
  pure StreamHandle
    { streamItems = if isJust (streamOutput spec) then inboxItems output else Items (pure Nothing)
    , streamOutcome = atomically (readTMVar outcome) >>= either throwIO pure
    , streamClose = close
    }
