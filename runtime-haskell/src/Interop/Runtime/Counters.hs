{-# LANGUAGE OverloadedStrings #-}
-- | The health counters every connection of a node shares (docs/wire.md §7): the same names and
-- meanings in every runtime, all present from the start.
module Interop.Runtime.Counters
  ( Counter (..)
  , Counters
  , newCounters
  , bump
  , bumpBy
  , readCounter
  , countersDoc
  , counterName
  ) where

import Control.Monad (forM)
import Data.Array (Array, listArray, (!))
import Data.IORef
import Data.Text (Text)
import Interop.Runtime.PlainJson

-- | In the order docs/wire.md §7 lists them.
data Counter
  = RequestsServed
  | HandlerErrors
  | EventHandlerErrors
  | RejectedRequests
  | RejectedFrames
  | RejectedConnections
  | RejectedHandshakes
  | IdleTimeouts
  | FrameTimeouts
  | LateResponses
  | LateCancels
  | LateStreamFrames
  | DroppedOneways
  | DroppedEvents
  | UnsolicitedEvents
  | UndecodableEvents
  | UnencodableEvents
  | PausedReads
  deriving (Eq, Ord, Show, Enum, Bounded)

counterName :: Counter -> Text
counterName c = case c of
  RequestsServed -> "requests_served"
  HandlerErrors -> "handler_errors"
  EventHandlerErrors -> "event_handler_errors"
  RejectedRequests -> "rejected_requests"
  RejectedFrames -> "rejected_frames"
  RejectedConnections -> "rejected_connections"
  RejectedHandshakes -> "rejected_handshakes"
  IdleTimeouts -> "idle_timeouts"
  FrameTimeouts -> "frame_timeouts"
  LateResponses -> "late_responses"
  LateCancels -> "late_cancels"
  LateStreamFrames -> "late_stream_frames"
  DroppedOneways -> "dropped_oneways"
  DroppedEvents -> "dropped_events"
  UnsolicitedEvents -> "unsolicited_events"
  UndecodableEvents -> "undecodable_events"
  UnencodableEvents -> "unencodable_events"
  PausedReads -> "paused_reads"

newtype Counters = Counters (Array Int (IORef Int))

newCounters :: IO Counters
newCounters = do
  refs <- forM [minBound .. maxBound :: Counter] (const (newIORef 0))
  pure (Counters (listArray (0, length refs - 1) refs))

bump :: Counters -> Counter -> IO ()
bump cs c = bumpBy cs c 1

bumpBy :: Counters -> Counter -> Int -> IO ()
bumpBy (Counters a) c n = atomicModifyIORef' (a ! fromEnum c) (\x -> (x + n, ()))

readCounter :: Counters -> Counter -> IO Int
readCounter (Counters a) c = readIORef (a ! fromEnum c)

-- | The @counters@ object of the health document.
countersDoc :: Counters -> IO Doc
countersDoc cs = DObj <$> forM [minBound .. maxBound] (\c -> (,) (counterName c) . DInt . toInteger <$> readCounter cs c)
