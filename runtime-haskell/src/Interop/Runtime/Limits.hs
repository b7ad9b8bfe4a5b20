{-# LANGUAGE OverloadedStrings #-}
-- | The limits of docs/wire.md §5, with the same defaults as every runtime; config may lower or
-- raise them, and the manifest reports them under these names.
module Interop.Runtime.Limits
  ( Limits (..)
  , EventPolicy (..)
  , defaultLimits
  , limitsDoc
  , limitsWithOverrides
  , policyName
  ) where

import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.PlainJson

-- | What a subscription does when its queue is full (docs/config.md).
data EventPolicy = DropOldest | DropNewest | Block
  deriving (Eq, Show, Enum, Bounded)

policyName :: EventPolicy -> Text
policyName p = case p of
  DropOldest -> "drop_oldest"
  DropNewest -> "drop_newest"
  Block -> "block"

data Limits = Limits
  { maxFrameBytes :: !Int
  , maxDepth :: !Int
  , maxInFlight :: !Int
  , maxEventQueue :: !Int
  , eventQueuePolicy :: !EventPolicy
  , defaultDeadlineMs :: !Int
  , handshakeTimeoutMs :: !Int
  , maxTargetBytes :: !Int
  , streamWindow :: !Int
  , maxConnections :: !Int
  , idleTimeoutMs :: !Int
  , frameTimeoutMs :: !Int
  }
  deriving (Eq, Show)

defaultLimits :: Limits
defaultLimits =
  Limits
    { maxFrameBytes = 16777216
    , maxDepth = 64
    , maxInFlight = 256
    , maxEventQueue = 1024
    , eventQueuePolicy = DropOldest
    , defaultDeadlineMs = 30000
    , handshakeTimeoutMs = 10000
    , maxTargetBytes = 1024
    , streamWindow = 64
    , maxConnections = 512
    , idleTimeoutMs = 300000
    , frameTimeoutMs = 30000
    }

-- | The limits under their wire names, as the manifest reports them.
limitsDoc :: Limits -> Doc
limitsDoc l =
  DObj
    [ ("max_frame_bytes", int maxFrameBytes), ("max_depth", int maxDepth), ("max_in_flight", int maxInFlight)
    , ("max_event_queue", int maxEventQueue), ("event_queue_policy", DStr (policyName (eventQueuePolicy l)))
    , ("default_deadline_ms", int defaultDeadlineMs), ("handshake_timeout_ms", int handshakeTimeoutMs)
    , ("max_target_bytes", int maxTargetBytes), ("stream_window", int streamWindow)
    , ("max_connections", int maxConnections), ("idle_timeout_ms", int idleTimeoutMs), ("frame_timeout_ms", int frameTimeoutMs) ]
  where
    int f = DInt (toInteger (f l))

-- | Applies the @limits@ object of a node config: every name must be known, every value a
-- non-negative integer (the policy one of its three names). Left: what is wrong, for people.
limitsWithOverrides :: Limits -> [(Text, Doc)] -> Either Text Limits
limitsWithOverrides = foldl step . Right
  where
    step acc (name, value) = acc >>= \l -> case name of
      "event_queue_policy" -> case value of
        DStr "drop_oldest" -> Right l {eventQueuePolicy = DropOldest}
        DStr "drop_newest" -> Right l {eventQueuePolicy = DropNewest}
        DStr "block" -> Right l {eventQueuePolicy = Block}
        _ -> Left "limits.event_queue_policy must be one of drop_oldest, drop_newest, block"
      _ -> case (lookup name setters, value) of
        (Nothing, _) -> Left ("unknown limit '" <> name <> "' (known: " <> T.intercalate ", " (map fst setters) <> ", event_queue_policy)")
        (Just set, DInt n) | n >= 0 && n <= 2 ^ (62 :: Int) -> Right (set l (fromInteger n))
        (Just _, _) -> Left ("limit '" <> name <> "' must be a non-negative integer")
    setters =
      [ ("max_frame_bytes", \l n -> l {maxFrameBytes = n}), ("max_depth", \l n -> l {maxDepth = n})
      , ("max_in_flight", \l n -> l {maxInFlight = n}), ("max_event_queue", \l n -> l {maxEventQueue = n})
      , ("default_deadline_ms", \l n -> l {defaultDeadlineMs = n}), ("handshake_timeout_ms", \l n -> l {handshakeTimeoutMs = n})
      , ("max_target_bytes", \l n -> l {maxTargetBytes = n}), ("stream_window", \l n -> l {streamWindow = n})
      , ("max_connections", \l n -> l {maxConnections = n}), ("idle_timeout_ms", \l n -> l {idleTimeoutMs = n})
      , ("frame_timeout_ms", \l n -> l {frameTimeoutMs = n}) ]
