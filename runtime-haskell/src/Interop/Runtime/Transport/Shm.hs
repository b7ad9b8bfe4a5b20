{-# LANGUAGE ForeignFunctionInterface, OverloadedStrings #-}
-- | The shm transport (docs/wire.md §9, ADR 0033; docs/transports.md): the same byte stream of
-- frames as a unix socket, through two rings in a shared memory segment that the dialer sends
-- over the set-up socket. The rings and the set-up are runtime-c's ring core (cbits/shm_ring.c,
-- with the glue of cbits/shm_hs.c), called through unsafe FFI calls that never block; every wait
-- is here, in GHC's IO manager (ADR 0039): a reader that finds its ring empty polls it for a
-- bounded time (node config @shm.spin_us@, 'defaultSpinUs'), then sleeps until its eventfd or the set-up socket is readable, so an
-- idle link costs no CPU. The socket carries nothing after set-up: it
-- being readable means the peer is gone (or broke the protocol), seen at once, with no heartbeat.
module Interop.Runtime.Transport.Shm
  ( shmDial
  , shmAccepted
  , defaultSpinUs
  ) where

import Control.Concurrent (yield)
import Control.Concurrent.MVar
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, when)
import qualified Data.ByteString as BS
import qualified Data.ByteString.Internal as BSI
import qualified Data.ByteString.Unsafe as BSU
import Data.Text (Text)
import qualified Data.Text as T
import Foreign.C.String (CString, peekCString)
import Foreign.C.Types (CInt (..), CPtrdiff (..), CSize (..))
import Foreign.ForeignPtr (withForeignPtr)
import Foreign.Marshal.Alloc (alloca)
import Foreign.Ptr (Ptr, castPtr, nullPtr)
import Foreign.Storable (peek)
import Data.Word (Word64)
import GHC.Clock (getMonotonicTimeNSec)
import GHC.Conc (closeFdWith, threadWaitReadSTM)
import Interop.Runtime.Transport.Types
import qualified Network.Socket as N
import System.Posix.IO (closeFd)
import System.Posix.Types (Fd (..))

data Ring -- interop_shm_ring (runtime-c/include/interop/shm_ring.h): mapping, eventfds, own indices

foreign import ccall unsafe "interop_hs_shm_dial" c_dial :: CInt -> Ptr (Ptr Ring) -> IO CString
foreign import ccall unsafe "interop_hs_shm_accept" c_accept :: CInt -> Ptr (Ptr Ring) -> IO CString
foreign import ccall unsafe "interop_hs_shm_free" c_free :: Ptr Ring -> IO ()
foreign import ccall unsafe "interop_hs_shm_wake_fd" c_wakeFd :: Ptr Ring -> IO CInt
foreign import ccall unsafe "interop_hs_shm_error" c_error :: Ptr Ring -> IO CString
foreign import ccall unsafe "interop_hs_shm_available" c_available :: Ptr Ring -> IO CPtrdiff
foreign import ccall unsafe "interop_shm_ring_read" c_read :: Ptr Ring -> Ptr a -> CSize -> IO CPtrdiff
foreign import ccall unsafe "interop_shm_ring_write" c_write :: Ptr Ring -> Ptr a -> CSize -> IO CPtrdiff
foreign import ccall unsafe "interop_hs_shm_sleep" c_sleep :: Ptr Ring -> IO CInt
foreign import ccall unsafe "interop_shm_ring_woken" c_woken :: Ptr Ring -> IO ()
foreign import ccall unsafe "interop_hs_shm_peer" c_peer :: CInt -> IO CInt

-- | How long a reader polls its empty ring (yielding to other threads between looks) before it
-- sleeps on its eventfd, in µs, unless the node config says (@shm.spin_us@, 0 sleeps at once):
-- 50, as every runtime. A peer that answers within it costs no wake-up (eventfd write, IO
-- manager, scheduler); a quiet link goes to sleep almost at once.
defaultSpinUs :: Int
defaultSpinUs = 50

data State = SettingUp | Ready !(Ptr Ring) !Fd | Refused !Text | Closed

data Shm = Shm
  { shmSock :: !N.Socket
  , shmState :: !(TVar State)
  , shmReading :: !(MVar ()) -- ^ held around every C call on the inbound ring,
  , shmWriting :: !(MVar ()) -- ^ and the outbound one, so that close never frees a ring in use
  , shmSetUp :: !(MVar ()) -- ^ one set-up (the listener's) at a time
  , shmGone :: !(TVar (Maybe Text)) -- ^ the peer closed, or broke the ring
  , shmWakes :: !(TVar Int) -- ^ bumped on every wake-up, so the other waiter looks again
  , shmSpinNs :: !Word64
  }

-- | Dials: the socket is connected; creates the segment and sends it (docs/wire.md §9.1).
shmDial :: Int -> Text -> N.Socket -> IO Transport
shmDial spinUs description sock = do
  r <- withSockFd sock $ \fd -> alloca $ \out -> do
    why <- c_dial fd out
    if why == nullPtr then Right <$> peek out else Left <$> peekCString why
  case r of
    Left why -> N.close sock >> throwIO (userError ("shm set-up on " <> T.unpack description <> ": " <> why))
    Right p -> do
      wfd <- Fd <$> c_wakeFd p
      shmTransport spinUs description sock (Ready p wfd)

-- | An accepted set-up socket: the segment arrives on it; the first recv or send waits for it.
-- A set-up refused makes both throw, so the connection fails before its handshake.
shmAccepted :: Int -> Text -> N.Socket -> IO Transport
shmAccepted spinUs description sock = shmTransport spinUs description sock SettingUp

shmTransport :: Int -> Text -> N.Socket -> State -> IO Transport
shmTransport spinUs description sock st0 = do
  s <- Shm sock <$> newTVarIO st0 <*> newMVar () <*> newMVar () <*> newMVar () <*> newTVarIO Nothing <*> newTVarIO 0
    <*> pure (fromIntegral (max 0 spinUs) * 1000)
  pure (Transport description (recvShm s) (sendShm s) (closeShm s))

withSockFd :: N.Socket -> (CInt -> IO a) -> IO a
withSockFd = N.withFdSocket

-- | Waits for the dialer's set-up message (the listener), once.
ready :: Shm -> IO (Ptr Ring)
ready s = do
  st <- readTVarIO (shmState s)
  case st of
    Ready p _ -> pure p
    Closed -> throwIO (userError "shm: the connection is closed")
    Refused why -> throwIO (userError (T.unpack why)) -- a failed handshake, not a broken ring
    SettingUp -> withMVar (shmSetUp s) (const settle) >> ready s
  where
    settle = do
      st <- readTVarIO (shmState s)
      case st of
        SettingUp -> do
          r <- withSockFd (shmSock s) $ \fd -> alloca $ \out -> do
            why <- c_accept fd out
            if why == nullPtr then Right <$> peek out else Left <$> peekCString why
          case r of
            Left "" -> waitSocket >> settle
            Left why -> () <$ settled (Refused ("shm set-up refused: " <> T.pack why))
            Right p -> do
              wfd <- Fd <$> c_wakeFd p
              kept <- settled (Ready p wfd)
              unless kept (closeFd wfd >> c_free p) -- closed meanwhile (a handshake timeout)
        _ -> pure ()
    -- The outcome, unless the transport was closed meanwhile.
    settled outcome = atomically $ readTVar (shmState s) >>= \st -> case st of
      SettingUp -> True <$ writeTVar (shmState s) outcome
      _ -> pure False
    waitSocket = do
      (sockReady, unreg) <- withSockFd (shmSock s) (threadWaitReadSTM . Fd)
      (atomically (sockReady `orElse` closedSTM s) `catch` \e -> const (pure ()) (e :: IOException)) `finally` unreg

closedSTM :: Shm -> STM ()
closedSTM s = readTVar (shmState s) >>= \st -> case st of Closed -> pure (); _ -> retry

-- | Runs a C call on the ring under its lock; Nothing once closed.
onRing :: Shm -> MVar () -> (Ptr Ring -> IO a) -> IO (Maybe a)
onRing s lock f = withMVar lock $ \_ -> do
  st <- readTVarIO (shmState s)
  case st of
    Ready p _ -> Just <$> f p
    _ -> pure Nothing

-- | The peer broke the ring: the core says how ("shm ring broken by the peer: ...").
broken :: Shm -> IO a
broken s = do
  why <- onRing s (shmReading s) c_error >>= maybe (pure "") (\p -> if p == nullPtr then pure "" else peekCString p)
  let msg = if null why then "shm ring broken by the peer" else T.pack why
  atomically (writeTVar (shmGone s) (Just msg))
  throwIO (TransportBroken msg)

-- | The next bytes of the inbound ring (all that wait); empty once the peer is gone and its last
-- bytes are read, or once closed.
recvShm :: Shm -> IO BS.ByteString
recvShm s = ready s >> go
  where
    go = do
      avail <- onRing s (shmReading s) c_available
      case avail of
        Nothing -> pure BS.empty
        Just n
          | n < 0 -> broken s
          | n > 0 -> takeBytes (fromIntegral n)
          | otherwise -> do
              gone <- readTVarIO (shmGone s)
              case gone of
                Just _ -> pure BS.empty
                Nothing -> do
                  start <- getMonotonicTimeNSec
                  spin (start + shmSpinNs s)
    -- Polls the ring until data comes or the time is up, then sleeps (docs/wire.md §9.4).
    spin deadline = do
      avail <- onRing s (shmReading s) c_available
      now <- getMonotonicTimeNSec
      case avail of
        Just 0 | now < deadline -> yield >> spin deadline
        Just 0 -> sleep >> go
        _ -> go
    sleep = do
      before <- readTVarIO (shmWakes s)
      r <- onRing s (shmReading s) c_sleep
      case r of
        Just 1 -> waitWake s before
        Just k | k < 0 -> broken s
        _ -> pure ()
    takeBytes n = do
      fp <- BSI.mallocByteString n
      got <- withForeignPtr fp $ \buf -> onRing s (shmReading s) (\p -> c_read p buf (fromIntegral n))
      case got of
        Nothing -> pure BS.empty
        Just k
          | k < 0 -> broken s
          | otherwise -> pure (BSI.fromForeignPtr fp 0 (fromIntegral k))

-- | Writes every byte into the outbound ring, waiting for room while the peer does not read.
sendShm :: Shm -> [BS.ByteString] -> IO ()
sendShm s chunks = ready s >> mapM_ putAll chunks
  where
    putAll bs = unless (BS.null bs) $ do
      before <- readTVarIO (shmWakes s)
      r <- BSU.unsafeUseAsCStringLen bs $ \(ptr, len) -> onRing s (shmWriting s) (\p -> c_write p (castPtr ptr) (fromIntegral len))
      case r of
        Nothing -> throwIO (userError "shm: the connection is closed")
        Just n
          | n < 0 -> broken s
          | n > 0 -> putAll (BS.drop (fromIntegral n) bs)
          | otherwise -> do
              gone <- readTVarIO (shmGone s)
              maybe (waitWake s before) (throwIO . userError . T.unpack) gone
              putAll bs

-- | Sleeps until the eventfd or the set-up socket is readable, the other waiter of this side (the
-- reader, or the writer) was woken, or the transport closes; then resets the eventfd and clears
-- both flags (interop_shm_ring_woken), tells the other waiter to look again (it may have lost its
-- flag or its wake-up to this one), and looks at the socket.
waitWake :: Shm -> Int -> IO ()
waitWake s before = do
  st <- readTVarIO (shmState s)
  case st of
    Ready _ wfd -> do
      let waits = do
            (wakeReady, unregWake) <- threadWaitReadSTM wfd
            (sockReady, unregSock) <- withSockFd (shmSock s) (threadWaitReadSTM . Fd) `onException` unregWake
            let woken = wakeReady `orElse` sockReady `orElse` (readTVar (shmWakes s) >>= check . (/= before)) `orElse` closedSTM s
            atomically woken `finally` (unregWake >> unregSock)
      waits `catch` \e -> const (pure ()) (e :: IOException) -- a descriptor closed under us: closed
      _ <- onRing s (shmReading s) c_woken
      atomically (modifyTVar' (shmWakes s) (+ 1))
      peer <- withSockFd (shmSock s) c_peer
      when (peer /= 0) . atomically $ do
        gone <- readTVar (shmGone s)
        when (gone == Nothing) . writeTVar (shmGone s) . Just $
          if peer == 1 then "the peer closed the connection" else "the peer wrote on the shm set-up socket after set-up"
    _ -> pure ()

-- | Closes the socket (the peer sees it at once), then frees the segment once no C call uses it.
closeShm :: Shm -> IO ()
closeShm s = do
  st <- atomically (readTVar (shmState s) <* writeTVar (shmState s) Closed)
  case st of
    Closed -> pure ()
    _ -> do
      _ <- try (N.close (shmSock s)) :: IO (Either SomeException ())
      case st of
        Ready p wfd -> withMVar (shmReading s) $ \_ -> withMVar (shmWriting s) $ \_ -> do
          closeFdWith closeFd wfd -- through the IO manager: a waiter may have it registered
          c_free p
        _ -> pure ()
