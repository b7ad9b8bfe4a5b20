-- | Bounded event queues with the counted drop policies of docs/wire.md §5: no publisher can
-- grow a subscriber's memory without bound. One queue per subscription, read through STM by the
-- subscriber ('Interop.Runtime.Module.Subscription').
module Interop.Runtime.Events
  ( EventQueue
  , newEventQueue
  , offerEvent
  , hasRoom
  , takeEvent
  , queueDropped
  , closeQueue
  , queueClosed
  , subscriptionOf
  ) where

import Control.Concurrent.STM
import Data.Sequence (Seq, (|>))
import qualified Data.Sequence as Seq
import Interop.Runtime.Limits (EventPolicy (..))
import Interop.Runtime.Module (Subscription (..))

data EventQueue e = EventQueue
  { eqItems :: TVar (Seq e)
  , eqCapacity :: !Int
  , eqPolicy :: !EventPolicy
  , eqDropped :: TVar Int
  , eqClosed :: TVar Bool
  }

newEventQueue :: Int -> EventPolicy -> IO (EventQueue e)
newEventQueue capacity policy =
  EventQueue <$> newTVarIO Seq.empty <*> pure (max 1 capacity) <*> pure policy <*> newTVarIO 0 <*> newTVarIO False

-- | Queues without waiting; when the queue is full the policy discards the oldest or the arriving
-- event (@block@ too: a caller that can wait checks 'hasRoom' first). Returns the number of
-- events dropped (0 or 1), for the health counter.
offerEvent :: EventQueue e -> e -> STM Int
offerEvent q e = do
  closed <- readTVar (eqClosed q)
  if closed
    then pure 0
    else do
      items <- readTVar (eqItems q)
      if Seq.length items < eqCapacity q
        then writeTVar (eqItems q) (items |> e) >> pure 0
        else do
          modifyTVar' (eqDropped q) (+ 1)
          case eqPolicy q of
            DropOldest -> writeTVar (eqItems q) (Seq.drop 1 items |> e)
            _ -> pure ()
          pure 1

-- | Whether an event can be queued without a drop (always, once closed: it is discarded then).
hasRoom :: EventQueue e -> STM Bool
hasRoom q = do
  closed <- readTVar (eqClosed q)
  n <- Seq.length <$> readTVar (eqItems q)
  pure (closed || n < eqCapacity q)

-- | The next event, waiting for one; 'Nothing' once closed and empty.
takeEvent :: EventQueue e -> STM (Maybe e)
takeEvent q = do
  items <- readTVar (eqItems q)
  case Seq.viewl items of
    e Seq.:< rest -> writeTVar (eqItems q) rest >> pure (Just e)
    Seq.EmptyL -> do
      closed <- readTVar (eqClosed q)
      if closed then pure Nothing else retry

queueDropped :: EventQueue e -> STM Int
queueDropped = readTVar . eqDropped

-- | Ends the subscription: what waits is discarded, readers see 'Nothing'.
closeQueue :: EventQueue e -> STM ()
closeQueue q = writeTVar (eqClosed q) True >> writeTVar (eqItems q) Seq.empty

queueClosed :: EventQueue e -> STM Bool
queueClosed = readTVar . eqClosed

-- | The subscriber's view of a queue.
subscriptionOf :: EventQueue e -> IO () -> IO () -> Subscription e
subscriptionOf q stop failed = Subscription (takeEvent q) (queueDropped q) stop failed
