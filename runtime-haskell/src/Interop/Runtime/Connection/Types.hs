{-# LANGUAGE ExistentialQuantification, OverloadedStrings #-}
-- | The state of one connection, shared by its parts (docs/wire.md §1, §5, §6): what waits to
-- be written, this side's exchanges, the peer's exchanges and subscriptions, and the lifecycle.
-- Every piece of state is a TVar, so each step of the protocol is one STM transaction; the
-- parts are in the modules beside this one (Outbound, Caller, Serving, Inbound).
module Interop.Runtime.Connection.Types
  ( Conn (..)
  , ConnConfig (..)
  , Phase (..)
  , HeldKind (..)
  , Held (..)
  , Pending
  , LocalSub (..)
  , Handling (..)
  , StreamPeer (..)
  , newConn
  , sendCodecFor
  , isOpen
  , checkOpen
  , unavailable
  , shutdown
  , key
  , highWater
  ) where

import Control.Concurrent (ThreadId, killThread, myThreadId, forkIO)
import Control.Concurrent.STM
import Control.Exception (throwIO)
import Control.Monad (forM_, unless, void)
import qualified Data.ByteString as BS
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import Data.Sequence (Seq)
import qualified Data.Sequence as Seq
import qualified Data.Set as Set
import Data.Text (Text)
import Data.Word (Word32)
import Interop.Runtime.Codec (Codec (..))
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Events
import Interop.Runtime.Frame (Frame)
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.PlainJson (Doc)
import Interop.Runtime.Transport

-- | What a connection is configured with (the node fills it in).
data ConnConfig = ConnConfig
  { ccNode :: !Text
  , ccInitiator :: !Bool
  , ccServed :: Map.Map Text Service
  , ccWants :: [ModuleDesc] -- ^ modules this side calls over the connection (in HELLO/WELCOME)
  , ccCodecs :: [Codec] -- ^ ours, the preferred one first
  , ccMemberCodecs :: Map.Map Text Codec -- ^ member_codecs: "module.member" -> what we send it in
  , ccLimits :: !Limits
  , ccToken :: !(Maybe Text) -- ^ sent in HELLO
  , ccExpectedToken :: !(Maybe Text) -- ^ required in an incoming HELLO
  , ccControl :: Maybe (Text -> IO Doc) -- ^ answers interop.control.<member> with a JSON document
  , ccCounters :: Counters
  , ccControlOnly :: !Bool -- ^ a control endpoint: serves interop.control only
  , ccCloseWhenIdle :: !Bool -- ^ accepted on a listener: closed after idle_timeout_ms of nothing (§5.1)
  }

data Phase = Handshaking | Open | Closed InteropError

-- | What waits in the outbox: answers the read loop gives (counted against the peer), one-way
-- calls (bounded), and the rest.
data HeldKind = HeldAnswer | HeldOneway | HeldOther
  deriving (Eq)

data Held = Held
  { heldKind :: !HeldKind
  , heldCorrelation :: !Word32
  , heldChunks :: [BS.ByteString] -- ^ the frame; empty once withdrawn (a CANCEL of its exchange)
  , heldSize :: !Int
  }

-- | One of this side's exchanges waiting for its answer.
type Pending = TMVar (Either InteropError Frame)

-- | This side's subscription to one of the peer's events: decodes into its queue.
data LocalSub = forall e. LocalSub
  { lsId :: !Int
  , lsDecode :: Int -> Codec -> BS.ByteString -> Either InteropError e
  , lsQueue :: EventQueue e
  , lsPolicy :: !EventPolicy
  }

-- | A request of the peer's being handled: the thread, and a token that tells it from a later
-- request reusing the id.
data Handling = Handling {handlingThread :: !ThreadId, handlingToken :: !Int}

-- | An open stream exchange (docs/wire.md §1.5), as the read loop reaches it: what to do with a
-- STREAM_ITEM, STREAM_END or STREAM_CREDIT for it, and how to end it when a frame breaks the
-- rules (the frame is counted already). The token tells it from a later exchange with its id.
data StreamPeer = StreamPeer
  { spToken :: !Int
  , spFrame :: Frame -> IO ()
  , spBreak :: InteropError -> IO ()
  }

data Conn = Conn
  { connConfig :: ConnConfig
  , connTransport :: Transport
  , connPhase :: TVar Phase
  , connHandshake :: TMVar (Either InteropError ())
  , connGoodbyeSent :: TVar Bool
  , connGoodbyeReceived :: TVar Bool
  , connPeer :: TVar Text
  , connSendCodec :: TVar Codec
  , connPeerCodecs :: TVar [Codec] -- ^ the peer's, from the handshake
  , connPeerOffers :: TVar [(Text, Text)] -- ^ module → fingerprint, from the handshake
  , connPeerCompat :: TVar [(Text, Doc)] -- ^ module → the peer's compatibility table
  , connVerdicts :: TVar (Map.Map (Text, Bool, Text) (Maybe InteropError)) -- ^ judged members (§2.2)
  , connOpenedAt :: !Int
    -- outbound
  , connOutbox :: TVar (Seq Held)
  , connOutboxBytes :: TVar Int
  , connSending :: TVar Int -- ^ bytes the writer took and has not finished sending
  , connHeldAnswers :: TVar Int
  , connHeldOneways :: TVar Int
  , connBacklog :: TVar (Map.Map Text (Seq (Int, [BS.ByteString])))
  , connBacklogLen :: TVar Int
  , connEventSeq :: TVar Int
  , connOutboundDropped :: TVar (Map.Map Text Int)
    -- caller
  , connNextId :: TVar Word32
  , connPending :: TVar (IM.IntMap Pending)
  , connSlots :: TVar Int
  , connLocalSubs :: TVar (Map.Map Text [LocalSub])
  , connSubscribing :: TVar (Set.Set Text) -- ^ events whose SUBSCRIBE of ours awaits its answer
  , connNextSubId :: TVar Int
    -- serving
  , connHandling :: TVar (IM.IntMap Handling)
  , connNextToken :: TVar Int
  , connOneways :: TVar (IM.IntMap ThreadId) -- ^ one-way calls being run, by token
  , connRemoteSubs :: TVar (Map.Map Text Codec)
  , connSubscribeIds :: TVar (IM.IntMap Text)
    -- streams (docs/wire.md §1.5)
  , connOutStreams :: TVar (IM.IntMap StreamPeer) -- ^ this side's, by our correlation id
  , connInStreams :: TVar (IM.IntMap StreamPeer) -- ^ the peer's being served, by its id
    -- activity (docs/wire.md §5.1): what the idle check looks at
  , connReceived :: TVar Bool -- ^ bytes arrived since the last idle check
  , connWrote :: TVar Bool -- ^ bytes were written since the last idle check
  , connPaused :: TVar Bool -- ^ the read loop is not reading the peer now
  , connPartial :: TVar Int -- ^ bytes of an incomplete frame held by the read loop
    -- threads
  , connThreads :: TVar [ThreadId] -- ^ reader, writer, idle check
  }

newConn :: ConnConfig -> Transport -> Int -> IO Conn
newConn cfg t now =
  Conn cfg t
    <$> newTVarIO Handshaking <*> newEmptyTMVarIO <*> newTVarIO False <*> newTVarIO False
    <*> newTVarIO "" <*> newTVarIO (case ccCodecs cfg of (c : _) -> c; [] -> CodecJson) <*> newTVarIO []
    <*> newTVarIO [] <*> newTVarIO [] <*> newTVarIO Map.empty <*> pure now
    <*> newTVarIO Seq.empty <*> newTVarIO 0 <*> newTVarIO 0 <*> newTVarIO 0 <*> newTVarIO 0
    <*> newTVarIO Map.empty <*> newTVarIO 0 <*> newTVarIO 0 <*> newTVarIO Map.empty
    <*> newTVarIO 0 <*> newTVarIO IM.empty <*> newTVarIO (maxInFlight (ccLimits cfg)) <*> newTVarIO Map.empty <*> newTVarIO Set.empty <*> newTVarIO 0
    <*> newTVarIO IM.empty <*> newTVarIO 0 <*> newTVarIO IM.empty <*> newTVarIO Map.empty <*> newTVarIO IM.empty
    <*> newTVarIO IM.empty <*> newTVarIO IM.empty
    <*> newTVarIO False <*> newTVarIO False <*> newTVarIO False <*> newTVarIO 0
    <*> newTVarIO []

-- | The bytes waiting for the transport past which the connection counts as congested
-- (docs/transports.md: requests, answers and events then wait, bounded).
highWater :: Int
highWater = 65536

key :: Word32 -> Int
key = fromIntegral

-- | Open for new exchanges: handshake done, not closed, and neither side said GOODBYE.
isOpen :: Conn -> STM Bool
isOpen c = do
  phase <- readTVar (connPhase c)
  sent <- readTVar (connGoodbyeSent c)
  received <- readTVar (connGoodbyeReceived c)
  pure $ case phase of
    Open -> not sent && not received
    _ -> False

unavailable :: Text -> InteropError
unavailable = interopError CodeUnavailable

-- | Throws UNAVAILABLE unless the connection can start an exchange.
checkOpen :: Conn -> IO ()
checkOpen c = do
  (phase, goodbye) <- atomically ((,) <$> readTVar (connPhase c) <*> ((||) <$> readTVar (connGoodbyeSent c) <*> readTVar (connGoodbyeReceived c)))
  case phase of
    Closed reason -> throwIO (unavailable (errorMessage reason))
    _ | goodbye -> throwIO (unavailable "connection is closing (GOODBYE)")
    _ -> pure ()

-- | Fails everything pending with @reason@, ends our subscriptions, stops the handlers and
-- closes the transport; idempotent.
shutdown :: Conn -> InteropError -> IO ()
shutdown c reason = do
  (first, handlers, threads) <- atomically $ do
    phase <- readTVar (connPhase c)
    case phase of
      Closed _ -> pure (False, [], [])
      _ -> do
        writeTVar (connPhase c) (Closed reason)
        _ <- tryPutTMVar (connHandshake c) (Left reason)
        pending <- readTVar (connPending c)
        forM_ (IM.elems pending) $ \p -> tryPutTMVar p (Left (InteropError (errorCode reason) (errorMessage reason)))
        writeTVar (connPending c) IM.empty
        -- Our subscriptions' queues stay open: their owner renews them on the next connection
        -- (Interop.Runtime.Node.Links) or ends them.
        writeTVar (connLocalSubs c) Map.empty
        writeTVar (connOutbox c) Seq.empty
        writeTVar (connOutboxBytes c) 0
        writeTVar (connHeldAnswers c) 0
        writeTVar (connHeldOneways c) 0
        writeTVar (connBacklog c) Map.empty
        writeTVar (connBacklogLen c) 0
        writeTVar (connSubscribeIds c) IM.empty
        -- Our streams fail through their pending answers; the peer's stop with their handlers.
        writeTVar (connOutStreams c) IM.empty
        writeTVar (connInStreams c) IM.empty
        handling <- readTVar (connHandling c)
        writeTVar (connHandling c) IM.empty
        oneways <- readTVar (connOneways c)
        writeTVar (connOneways c) IM.empty
        threads <- readTVar (connThreads c)
        pure (True, map handlingThread (IM.elems handling) <> IM.elems oneways, threads)
  unless (not first) $ do
    transportClose (connTransport c)
    me <- myThreadId
    -- Stopping threads from a thread of their own: the caller may be one of them.
    void . forkIO $ mapM_ killThread (filter (/= me) (handlers <> threads))

-- | The codec to send a member's REQUEST, ONEWAY, stream or SUBSCRIBE in: its member_codecs
-- entry when the peer listed that codec, else the link's (docs/config.md "Codec per function or
-- event"). @target@ is "module.member".
sendCodecFor :: Conn -> Text -> IO Codec
sendCodecFor c target = atomically $ do
  base <- readTVar (connSendCodec c)
  peer <- readTVar (connPeerCodecs c)
  pure $ case Map.lookup target (ccMemberCodecs (connConfig c)) of
    Just m | m `elem` peer -> m
    _ -> base
