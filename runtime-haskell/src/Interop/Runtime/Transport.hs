{-# LANGUAGE OverloadedStrings, TupleSections #-}
-- | Transports only move bytes between two peers and report the end of the stream
-- (docs/transports.md). A 'Transport' is four blocking operations; the connection runs one
-- reader and one writer thread over it, on GHC's IO manager. Implement one to add a bus.
--
-- Built in: unix and tcp sockets and shared memory ("Interop.Runtime.Transport.Shm", set up over
-- a unix socket) (listen and dial), and stdio (a parent spawning a plugin
-- process, and a plugin serving on its own stdin/stdout): "Interop.Runtime.Transport.Stdio".
module Interop.Runtime.Transport
  ( Transport (..)
  , TransportBroken (..)
  , Address (..)
  , parseAddress
  , renderAddress
  , Listener (..)
  , listenOn
  , dial
  , socketTransport
  ) where

import Control.Concurrent (forkIO, threadDelay)
import Control.Exception
import Control.Monad (unless, void, when)
import qualified Data.ByteString as BS
import Data.IORef
import Data.Text (Text)
import qualified Data.Text as T
import Network.Socket (Socket)
import qualified Network.Socket as N
import qualified Network.Socket.ByteString as NB
import System.Directory (createDirectoryIfMissing, doesPathExist, removeFile)
import System.FilePath (takeDirectory)
import GHC.Clock (getMonotonicTimeNSec)
import GHC.IO.Exception (IOErrorType (ResourceExhausted))
import System.IO (hPutStrLn, stderr)
import System.IO.Error (ioeGetErrorType)
import System.Posix.Files (getFileStatus, isSocket, setFileCreationMask, setFileMode)
import System.Posix.IO (OpenMode (ReadOnly), closeFd, defaultFileFlags, openFd)
import System.Posix.Types (Fd)
import Text.Read (readMaybe)
import Interop.Runtime.Transport.Shm (defaultSpinUs, shmAccepted, shmDial)
import Interop.Runtime.Transport.Types

-- | Where to listen or dial. A 'ShmAddress' is the path of its set-up socket and how many µs a
-- reader polls its ring before it sleeps ('defaultSpinUs' as parsed; node config @shm.spin_us@).
data Address = UnixAddress FilePath | ShmAddress FilePath Int | TcpAddress String Int
  deriving (Eq, Show)

parseAddress :: Text -> Either Text Address
parseAddress t
  | Just path <- T.stripPrefix "unix:" t =
      if T.null path then Left ("address " <> t <> ": empty socket path") else Right (UnixAddress (T.unpack path))
  | Just path <- T.stripPrefix "shm:" t =
      if T.null path then Left ("address " <> t <> ": empty set-up socket path") else Right (ShmAddress (T.unpack path) defaultSpinUs)
  | Just rest <- T.stripPrefix "tcp://" t =
      let (host, port) = T.breakOnEnd ":" rest
       in case readMaybe (T.unpack port) of
            Just p | not (T.null host), p >= 0, p <= 65535 ->
              Right (TcpAddress (T.unpack (if T.length host <= 1 then "127.0.0.1" else T.init host)) p)
            _ -> Left ("address " <> t <> ": expected tcp://host:port")
  | otherwise = Left ("address " <> t <> ": unknown transport (unix:…, shm:… or tcp://host:port)")

renderAddress :: Address -> Text
renderAddress a = case a of
  UnixAddress p -> "unix:" <> T.pack p
  ShmAddress p _ -> "shm:" <> T.pack p
  TcpAddress h p -> "tcp://" <> T.pack h <> ":" <> T.pack (show p)

-- | A socket as a transport.
socketTransport :: Text -> Socket -> IO Transport
socketTransport description sock = do
  closed <- newIORef False
  let close = do
        already <- atomicModifyIORef' closed (\c -> (True, c))
        when (not already) $ void (try (N.close sock) :: IO (Either SomeException ()))
      -- A socket error reads as the end; an asynchronous exception (a timeout, a killed reader)
      -- passes through rather than passing for the peer's close.
      recv = do
        r <- try (NB.recv sock 65536) :: IO (Either IOException BS.ByteString)
        pure (either (const BS.empty) id r)
      send chunks = NB.sendMany sock chunks
  pure (Transport description recv send close)

data Listener = Listener
  { listenerAddress :: !Address -- ^ as bound: a tcp port 0 is the real port here
  , listenerClose :: IO () -- ^ stops accepting; removes a unix socket file
  }

-- | Accepts connections and hands each transport to @accepted@ in a thread of its own. A unix
-- socket file is created 0600 in a directory created 0700 when missing; a stale socket file (a
-- previous run's) is replaced. tcp sets TCP_NODELAY.
listenOn :: Address -> (Transport -> IO ()) -> IO Listener
listenOn address accepted = do
  (sock, bound) <- case address of
    UnixAddress path -> (,address) <$> bindUnix path
    ShmAddress path _ -> (,address) <$> bindUnix path
    TcpAddress host port -> do
      info <- resolve host port
      sock <- N.socket (N.addrFamily info) N.Stream N.defaultProtocol
      N.setSocketOption sock N.ReuseAddr 1
      N.bind sock (N.addrAddress info)
      actual <- N.socketPortSafe sock
      pure (sock, TcpAddress host (maybe port fromIntegral actual))
  N.listen sock 128
  let description = renderAddress bound
  closing <- newIORef False
  spare <- openSpare >>= newIORef
  lastLog <- newIORef 0
  let -- Closes the spare once, whoever asks: its number may belong to another file afterwards.
      takeSpare = atomicModifyIORef' spare (\fd -> (Nothing, fd)) >>= mapM_ (\fd -> try (closeFd fd) :: IO (Either IOException ()))
      acceptLoop = do
        r <- try (N.accept sock)
        case r of
          Right (conn, _) -> do
            handle (\e -> const (N.close conn) (e :: IOException)) $ do
              case address of
                TcpAddress _ _ -> N.setSocketOption conn N.NoDelay 1
                _ -> pure ()
              t <- case address of
                ShmAddress _ spinUs -> shmAccepted spinUs description conn
                _ -> socketTransport description conn
              void (forkIO (accepted t))
            acceptLoop
          Left e
            | ioeGetErrorType e == ResourceExhausted -> shed e >> acceptLoop
            | otherwise -> do
                stop <- readIORef closing
                unless stop (threadDelay 10000 >> acceptLoop)
      -- Out of file descriptors (EMFILE, ENFILE): instead of failing accept() in a loop, close
      -- the spare descriptor, accept the waiting connection with it and close it at once, then
      -- take the spare back, as libuv does (docs/wire.md §5.1). Logged at most every 10 s.
      shed e = do
        takeSpare
        r <- try (N.accept sock) :: IO (Either IOException (Socket, N.SockAddr))
        either (const (pure ())) (N.close . fst) r
        stop <- readIORef closing
        unless stop (openSpare >>= writeIORef spare)
        now <- (`div` 1000000000) <$> getMonotonicTimeNSec
        previous <- readIORef lastLog
        when (now - previous >= 10) $ do
          writeIORef lastLog now
          hPutStrLn stderr ("interop: listener " <> T.unpack description <> " is out of file descriptors (" <> show e <> "): closing the connections it cannot accept")
  _ <- forkIO acceptLoop
  let close = do
        writeIORef closing True
        takeSpare
        _ <- try (N.close sock) :: IO (Either SomeException ())
        case bound of
          UnixAddress path -> void (try (removeFile path) :: IO (Either SomeException ()))
          ShmAddress path _ -> void (try (removeFile path) :: IO (Either SomeException ()))
          _ -> pure ()
  pure (Listener bound close)

-- | A unix socket bound at @path@, 0600, in a directory created when missing; a stale socket
-- file (a previous run's) is replaced.
bindUnix :: FilePath -> IO Socket
bindUnix path = do
  createDirectoryIfMissing True (takeDirectory path)
  exists <- doesPathExist path
  when exists $ do
    st <- getFileStatus path
    when (isSocket st) (removeFile path)
  sock <- N.socket N.AF_UNIX N.Stream N.defaultProtocol
  old <- setFileCreationMask 0o177
  (N.bind sock (N.SockAddrUnix path) >> setFileMode path 0o600) `finally` setFileCreationMask old
  pure sock

-- | A descriptor held in reserve for accepting (and closing) connections when none is left.
openSpare :: IO (Maybe Fd)
openSpare = either (const Nothing) Just <$> (try (openFd "/dev/null" ReadOnly Nothing defaultFileFlags) :: IO (Either IOException Fd))

resolve :: String -> Int -> IO N.AddrInfo
resolve host port = do
  let hints = N.defaultHints {N.addrSocketType = N.Stream, N.addrFlags = [N.AI_NUMERICSERV]}
  infos <- N.getAddrInfo (Just hints) (Just host) (Just (show port))
  case infos of
    (i : _) -> pure i
    [] -> throwIO (userError ("cannot resolve " <> host))

-- | Connects to a listening peer.
dial :: Address -> IO Transport
dial address = case address of
  UnixAddress path -> do
    sock <- N.socket N.AF_UNIX N.Stream N.defaultProtocol
    N.connect sock (N.SockAddrUnix path) `onException` N.close sock
    socketTransport (renderAddress address) sock
  ShmAddress path spinUs -> do
    sock <- N.socket N.AF_UNIX N.Stream N.defaultProtocol
    N.connect sock (N.SockAddrUnix path) `onException` N.close sock
    shmDial spinUs (renderAddress address) sock
  TcpAddress host port -> do
    info <- resolve host port
    sock <- N.socket (N.addrFamily info) N.Stream N.defaultProtocol
    (N.connect sock (N.addrAddress info) >> N.setSocketOption sock N.NoDelay 1) `onException` N.close sock
    socketTransport (renderAddress address) sock
