{-# LANGUAGE ExistentialQuantification, OverloadedStrings, ScopedTypeVariables #-}
-- | The direct transport (docs/wire.md §8): a client calling an implementation in the same
-- process with no encoding and no frames, with the same semantics as a remote call: the
-- deadline, the caller's cancel, declared errors raised as themselves, anything else as
-- InteropError INTERNAL, events through bounded queues.
module Interop.Runtime.Direct
  ( directCall
  , directOneway
  , LocalSubs
  , newLocalSubs
  , localSubscribe
  , localPublish
  , closeLocalSubs
  ) where

import Control.Concurrent (forkIO)
import Control.Concurrent.Async (waitCatchSTM, withAsync)
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM, void, when)
import Data.Dynamic (fromDynamic)
import qualified Data.Map.Strict as Map
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import Data.Typeable (Typeable, cast)
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Events
import Interop.Runtime.Limits
import Interop.Runtime.Module

served :: Service -> Text -> Either InteropError Served
served svc fn = maybe (Left (interopError CodeUnimplemented (mdName (serviceModule svc) <> "." <> fn <> ": no such function"))) Right (Map.lookup fn (serviceFunctions svc))

-- | A call of a function hosted here: its handler runs in a thread of its own, under the
-- deadline, interrupted when the caller cancels.
directCall :: forall p r. (Typeable p, Typeable r) => Counters -> Limits -> Service -> CallOptions -> CallSpec p r -> p -> IO r
directCall counters limits svc opts spec p = do
  s <- either throwIO pure (served svc (callFunction spec))
  impl <- maybe (throwIO (interopError CodeInternal (callTarget spec <> ": the handler's type does not match the client's"))) pure
    (fromDynamic (servedDirect s) :: Maybe (p -> CallContext -> IO r))
  let timeoutMs = fromMaybe (defaultDeadlineMs limits) (callTimeoutMs opts)
  now <- monotonicMs
  let deadline = if timeoutMs > 0 then Just (now + timeoutMs) else Nothing
  expired <- case deadline of
    Nothing -> pure retry
    Just _ -> registerDelay (timeoutMs * 1000) >>= \tv -> pure (readTVar tv >>= check)
  withAsync (impl p (CallContext "local" deadline) >>= evaluate) $ \a -> do
    outcome <- atomically $
      (Right <$> waitCatchSTM a)
        `orElse` (Left (interopError CodeDeadlineExceeded (callTarget spec <> ": deadline exceeded")) <$ expired)
        `orElse` (Left (interopError CodeCancelled (callTarget spec <> ": cancelled by the caller")) <$ fromMaybe retry (callCancel opts))
    case outcome of
      Left e -> throwIO e
      Right (Right r) -> pure r
      Right (Left ex) -> do
        bump counters HandlerErrors
        let f = classifyFailure (mdErrors (callModule spec)) (callThrows spec) ex
        case failDeclared f of
          Just _ -> throwIO ex -- a declared error reaches the caller as itself
          Nothing -> case fromException ex of
            Just (e :: InteropError) -> throwIO e
            Nothing -> throwIO (InteropError (failCode f) (failMessage f))

-- | A one-way call of a function hosted here: run in a thread of its own; a failure is counted.
directOneway :: forall p. Typeable p => Counters -> Service -> OnewaySpec p -> p -> IO ()
directOneway counters svc spec p = do
  s <- either throwIO pure (served svc (onewayFunction spec))
  case fromDynamic (servedDirect s) :: Maybe (p -> CallContext -> IO ()) of
    Nothing -> throwIO (interopError CodeInternal (onewayTarget spec <> ": the handler's type does not match the client's"))
    Just impl -> void . forkIO $ do
      r <- try (impl p (CallContext "local" Nothing))
      case r of
        Left (_ :: SomeException) -> bump counters HandlerErrors
        Right () -> pure ()

data AnyQueue = forall e. Typeable e => AnyQueue !Int (EventQueue e)

-- | Subscriptions in this process to events of modules hosted here, by target.
data LocalSubs = LocalSubs (TVar (Map.Map Text [AnyQueue])) (TVar Int)

newLocalSubs :: IO LocalSubs
newLocalSubs = LocalSubs <$> newTVarIO Map.empty <*> newTVarIO 0

localSubscribe :: Typeable e => LocalSubs -> Limits -> Counters -> EventSpec e -> IO (Subscription e)
localSubscribe (LocalSubs subs ids) limits counters spec = do
  q <- newEventQueue (maxEventQueue limits) (eventQueuePolicy limits)
  sid <- atomically $ do
    sid <- readTVar ids
    writeTVar ids (sid + 1)
    modifyTVar' subs (Map.insertWith (<>) (eventTarget spec) [AnyQueue sid q])
    pure sid
  let stop = atomically $ do
        modifyTVar' subs (Map.adjust (filter (\(AnyQueue i _) -> i /= sid)) (eventTarget spec))
        closeQueue q
  pure (subscriptionOf q stop (bump counters EventHandlerErrors))

-- | Delivers to this process's subscribers without waiting: a full queue drops by its policy
-- (@block@ drops the arriving event: a synchronous publish cannot be held), counted.
localPublish :: forall e. Typeable e => LocalSubs -> Counters -> EventSpec e -> e -> IO ()
localPublish (LocalSubs subs _) counters spec payload = do
  drops <- atomically $ do
    qs <- Map.findWithDefault [] (eventTarget spec) <$> readTVar subs
    forM qs $ \(AnyQueue _ q) -> offer q
  let n = sum drops
  when (n > 0) $ bumpBy counters DroppedEvents n
  where
    offer :: forall x. Typeable x => EventQueue x -> STM Int
    offer q = maybe (pure 0) (offerEvent q) (cast payload :: Maybe x)

closeLocalSubs :: LocalSubs -> IO ()
closeLocalSubs (LocalSubs subs _) = atomically $ do
  qs <- concat . Map.elems <$> readTVar subs
  mapM_ (\(AnyQueue _ q) -> closeQueue q) qs
  writeTVar subs Map.empty
