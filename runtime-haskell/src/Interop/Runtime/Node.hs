{-# LANGUAGE OverloadedStrings, RankNTypes, ScopedTypeVariables #-}
-- | The node host: one OS process hosting modules, listening, dialing other nodes, spawning
-- plugins or serving as one, fanning out events, and answering the control channel. It reads the
-- same node config as every other runtime (docs/config.md), from a document or the
-- INTEROP_NODE_CONFIG environment variable.
--
-- > node <- startNode defaultNodeOptions {nodeServices = [chatService handlers], nodeModules = [chatModule, usersModule]}
-- > let users = usersClient (nodeInvoker node)    -- direct when hosted here, else over the configured link
-- > publishMessagePosted (chatEvents (nodePublisher node)) msg
module Interop.Runtime.Node
  ( Node
  , NodeOptions (..)
  , defaultNodeOptions
  , startNode
  , closeNode
  , nodeInvoker
  , nodePublisher
  , nodeName
  , nodeCounters
  , nodeListening
  , awaitStop
  , nodeHealth
  , nodeManifest
  ) where

import Control.Concurrent
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM, forM_, unless, void, when)
import Data.IORef
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as Map
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Typeable (Typeable)
import Interop.Runtime.Codec (Codec (..), allCodecs)
import Interop.Runtime.Connection
import Interop.Runtime.Counters
import Interop.Runtime.Direct
import Interop.Runtime.Direct.Stream (directStream)
import Interop.Runtime.Error
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Node.Config
import Interop.Runtime.Node.Links
import Interop.Runtime.PlainJson
import Interop.Runtime.Stream (Source)
import Interop.Runtime.Transport
import Interop.Runtime.Transport.Stdio
import System.Environment (getEnvironment)
import System.IO (hPutStrLn, stderr)
import System.Posix.Signals (Handler (..), installHandler, sigINT, sigTERM)

data NodeOptions = NodeOptions
  { nodeServices :: [Service] -- ^ implementations this program has (generated @xService handlers@)
  , nodeModules :: [ModuleDesc] -- ^ every generated module the program calls or serves
  , nodeConfig :: Maybe Doc -- ^ the node config; Nothing: from INTEROP_NODE_CONFIG
  }

defaultNodeOptions :: NodeOptions
defaultNodeOptions = NodeOptions [] [] Nothing

data Node = Node
  { nodeName :: !Text
  , nodeLimits :: !Limits
  , nodeToken :: !(Maybe Text)
  , nodeCounters :: Counters
  , nodeServed :: Map.Map Text Service
  , nodeRoutes :: TVar (Map.Map Text Link)
  , nodeLinks :: TVar [Link]
  , nodeConns :: TVar (IM.IntMap Conn)
  , nodeNextConn :: TVar Int
  , nodeListeners :: IORef [Listener]
  , nodePlugins :: TVar [(Int, Plugin)]
  , nodeLocal :: LocalSubs
  , nodeStdio :: TVar (Maybe Conn)
  , nodeStarted :: !Int
  }

-- | Addresses this node listens on, as bound (a tcp port 0 resolved).
nodeListening :: Node -> IO [Text]
nodeListening n = map (renderAddress . listenerAddress) <$> readIORef (nodeListeners n)

-- | Starts a node from its config: hosts the configured modules (each needs a service among
-- 'nodeServices'), listens, sets up its links (dialed on first use) and plugins (started now),
-- and serves stdio when the config says so. A config problem is a 'userError' naming it.
startNode :: NodeOptions -> IO Node
startNode opts = do
  cfg <- loadConfig (nodeConfig opts)
  let byName = Map.fromList [(mdName m, m) | m <- nodeModules opts <> map serviceModule (nodeServices opts)]
      impls = Map.fromList [(mdName (serviceModule s), s) | s <- nodeServices opts]
      hostedNames = fromMaybe (Map.keys impls) (cfgModules cfg)
      descriptor what name = maybe (throwIO (userError (what <> ": module " <> T.unpack name <> " has no generated descriptor in this program (add it to nodeModules)"))) pure (Map.lookup name byName)
  served <- fmap Map.fromList . forM hostedNames $ \name -> case Map.lookup name impls of
    Nothing -> throwIO (userError ("modules: " <> T.unpack name <> " is hosted by this node but no implementation was given (nodeServices)"))
    Just s -> pure (name, s)
  n <- Node (cfgNode cfg) (cfgLimits cfg) (cfgToken cfg) <$> newCounters <*> pure served
    <*> newTVarIO Map.empty <*> newTVarIO [] <*> newTVarIO IM.empty <*> newTVarIO 0 <*> newIORef []
    <*> newTVarIO [] <*> newLocalSubs <*> newTVarIO Nothing <*> monotonicMs
  forM_ (cfgListen cfg) $ \a -> listen n (cfgShmSpinUs cfg) a False
  forM_ (cfgControl cfg) $ \a -> listen n (cfgShmSpinUs cfg) a True
  forM_ (zip [0 :: Int ..] (cfgConnect cfg)) $ \(i, e) -> do
    modules <- mapM (descriptor ("connect[" <> show i <> "]")) (connectModules e)
    address <- either (throwIO . userError . T.unpack) (pure . withSpin (cfgShmSpinUs cfg)) (parseAddress (connectAddress e))
    checkMemberCodecs ("connect[" <> show i <> "]") modules (connectMemberCodecs e)
    addLink n (connectAddress e) modules (connectCodec e) $ \wants -> do
      t <- dial address
      open n True (connectCodec e, connectMemberCodecs e) (connectToken e) wants t
  forM_ (zip [0 :: Int ..] (cfgPlugins cfg)) $ \(i, e) -> do
    modules <- mapM (descriptor ("plugins[" <> show i <> "]")) (pluginModules e)
    checkMemberCodecs ("plugins[" <> show i <> "]") modules (pluginMemberCodecs e)
    link <- addLink n ("stdio:" <> T.unwords (pluginCommand e)) modules (pluginCodec e) $ \wants -> do
      p <- spawnPlugin (map T.unpack (pluginCommand e)) (T.unpack <$> pluginCwd e) =<< pluginEnvironment (pluginEnv e)
      atomically $ modifyTVar' (nodePlugins n) ((pluginGraceMs e, p) :)
      open n True (pluginCodec e, pluginMemberCodecs e) (pluginToken e) wants (pluginTransport p) `onException` stopPlugin 200 p
    -- Plugins start with the node, so a broken one shows at start-up; it is retried on first use.
    r <- try (linkConnection link)
    case r of
      Left (e' :: InteropError) -> hPutStrLn' ("plugin " <> T.unwords (pluginCommand e) <> " did not start: " <> T.pack (show e'))
      Right _ -> pure ()
  when (cfgStdio cfg) $ do
    routed <- Map.keysSet <$> readTVarIO (nodeRoutes n)
    let parent = [m | m <- Map.elems byName, not (Map.member (mdName m) served), not (mdName m `elem` routed)]
    t <- ownStdio
    c <- open n False (Nothing, []) Nothing parent t
    atomically (writeTVar (nodeStdio n) (Just c))
    _ <- addLink n "stdio:parent" parent Nothing (\_ -> do
      open' <- atomically (connIsOpen c)
      if open' then pure c else throwIO (interopError CodeUnavailable "the parent process is gone"))
    pure ()
  pure n
  where
    hPutStrLn' t = hPutStrLn stderr (T.unpack t)

pluginEnvironment :: [(Text, Text)] -> IO (Maybe [(String, String)])
pluginEnvironment [] = pure Nothing
pluginEnvironment extra = do
  current <- getEnvironment
  let added = [(T.unpack k, T.unpack v) | (k, v) <- extra]
  pure (Just (added <> filter ((`notElem` map fst added) . fst) current))

-- | The codecs offered on a link: the configured one first (msgpack by default), then the others
-- in the order every runtime lists them (msgpack, json, then the rest as 'Codec' declares them).
codecsFor :: Maybe Codec -> [Codec]
codecsFor preferred = let first = fromMaybe CodecMsgpack preferred in first : filter (/= first) (CodecMsgpack : allCodecs)

-- | A link's codec and its member_codecs ("module.member" -> codec).
type LinkCodecs = (Maybe Codec, [(Text, Codec)])

-- | A member_codecs key must name a function or event of its module (the config check saw that
-- the module is one of the entry's).
checkMemberCodecs :: String -> [ModuleDesc] -> [(Text, Codec)] -> IO ()
checkMemberCodecs at modules entries =
  forM_ entries $ \(k, _) -> do
    let (m, member) = (T.dropEnd 1 (fst (T.breakOnEnd "." k)), snd (T.breakOnEnd "." k))
    case filter ((== m) . mdName) modules of
      (d : _) | member `notElem` (map fst (mdFunctions d) <> mdEvents d) ->
        throwIO (userError ("invalid node config: " <> at <> ".member_codecs[" <> show k <> "]: " <> T.unpack m <> " has no function or event named " <> T.unpack member))
      _ -> pure ()

connConfigOf :: Node -> Bool -> LinkCodecs -> Maybe Text -> [ModuleDesc] -> Map.Map Text Service -> Bool -> Bool -> ConnConfig
connConfigOf n initiator (codec, members) token wants served controlOnly accepted =
  ConnConfig
    { ccNode = nodeName n
    , ccInitiator = initiator
    , ccServed = served
    , ccWants = wants
    , ccCodecs = codecsFor codec
    , ccMemberCodecs = Map.fromList members
    , ccLimits = nodeLimits n
    , ccToken = token
    , ccExpectedToken = if initiator then Nothing else nodeToken n
    , ccControl = Just (control n)
    , ccCounters = nodeCounters n
    , ccControlOnly = controlOnly
    , ccCloseWhenIdle = accepted
    }

-- | Opens a connection on a transport (the handshake) and tracks it until it closes.
open :: Node -> Bool -> LinkCodecs -> Maybe Text -> [ModuleDesc] -> Transport -> IO Conn
open n initiator codec token wants t = openServing n initiator codec token wants False False t

-- | 'open', for a connection accepted on a listener too (@accepted@: closed when idle).
openServing :: Node -> Bool -> LinkCodecs -> Maybe Text -> [ModuleDesc] -> Bool -> Bool -> Transport -> IO Conn
openServing n initiator codec token wants controlOnly accepted t = do
  c <- openConnection (connConfigOf n initiator codec token wants (if controlOnly then Map.empty else nodeServed n) controlOnly accepted) t
  i <- atomically $ do
    i <- readTVar (nodeNextConn n)
    writeTVar (nodeNextConn n) (i + 1)
    modifyTVar' (nodeConns n) (IM.insert i c)
    pure i
  _ <- forkIO $ do
    atomically (waitClosed c)
    atomically (modifyTVar' (nodeConns n) (IM.delete i))
  pure c

-- | An shm address polls as the node config says (shm.spin_us).
withSpin :: Int -> Address -> Address
withSpin spinUs a = case a of
  ShmAddress path _ -> ShmAddress path spinUs
  _ -> a

listen :: Node -> Int -> Text -> Bool -> IO ()
listen n spinUs text controlOnly = do
  address <- either (throwIO . userError . T.unpack) (pure . withSpin spinUs) (parseAddress text)
  bound <- newIORef text
  open' <- newTVarIO (0 :: Int)
  let limit = maxConnections (nodeLimits n)
  -- At most max_connections open at once per listener (docs/wire.md §5.1); the next is refused
  -- before its HELLO, and the ones open are not affected.
  l <- listenOn address $ \t -> do
    admitted <- atomically $ do
      k <- readTVar open'
      if k >= limit then pure False else True <$ writeTVar open' (k + 1)
    if not admitted
      then do
        at <- readIORef bound
        refuseConnection t (interopError CodeResourceExhausted ("listener " <> at <> " has max_connections (" <> T.pack (show limit) <> ") connections open"))
        bump (nodeCounters n) RejectedConnections
      else (`finally` atomically (modifyTVar' open' (subtract 1))) $ do
        r <- try (openServing n False (Nothing, []) Nothing [] controlOnly True t)
        case r of
          Left (_ :: SomeException) -> bump (nodeCounters n) RejectedHandshakes
          Right c -> atomically (waitClosed c)
  writeIORef bound (renderAddress (listenerAddress l))
  modifyIORef' (nodeListeners n) (<> [l])

-- | A link reaching @modules@ (its connections announce them in HELLO as wanted).
addLink :: Node -> Text -> [ModuleDesc] -> Maybe Codec -> ([ModuleDesc] -> IO Conn) -> IO Link
addLink n description modules _ opener = do
  link <- newLink description (opener modules)
  atomically $ do
    modifyTVar' (nodeLinks n) (link :)
    forM_ modules $ \m -> modifyTVar' (nodeRoutes n) (Map.insert (mdName m) link)
  pure link

route :: Node -> ModuleDesc -> IO Link
route n m = do
  r <- Map.lookup (mdName m) <$> readTVarIO (nodeRoutes n)
  maybe (throwIO (interopError CodeUnavailable ("module " <> mdName m <> " is not reachable from node " <> nodeName n))) pure r

-- | Calls modules wherever the config put them: direct when hosted here, else over their link.
nodeInvoker :: Node -> Invoker
nodeInvoker n = Invoker call oneway subscribe stream
  where
    hosted m = Map.lookup (mdName m) (nodeServed n)
    call :: forall p r. (Typeable p, Typeable r) => CallOptions -> CallSpec p r -> p -> IO r
    call opts spec p = case hosted (callModule spec) of
      Just svc -> directCall (nodeCounters n) (nodeLimits n) svc opts spec p
      Nothing -> do
        c <- route n (callModule spec) >>= linkConnection
        connCall c opts spec p
    oneway :: forall p. Typeable p => OnewaySpec p -> p -> IO ()
    oneway spec p = case hosted (onewayModule spec) of
      Just svc -> directOneway (nodeCounters n) svc spec p
      Nothing -> do
        link <- route n (onewayModule spec)
        current <- atomically (linkCurrent link)
        case current of
          Just c -> connOneway c spec p
          -- The link is (re)dialing: sent once it is up; one that cannot be sent is counted.
          Nothing -> do
            r <- try (linkConnection link >>= \c -> connOneway c spec p)
            case r of
              Left (e :: InteropError)
                | errorCode e == CodeResourceExhausted -> throwIO e
                | otherwise -> bump (nodeCounters n) DroppedOneways
              Right () -> pure ()
    stream :: forall p i o r. (Typeable p, Typeable i, Typeable o, Typeable r) => CallOptions -> StreamSpec p i o r -> p -> Source i -> IO (StreamHandle o r)
    stream opts spec p source = case hosted (streamModule spec) of
      Just svc -> directStream (nodeCounters n) (nodeLimits n) svc opts spec p source
      Nothing -> do
        c <- route n (streamModule spec) >>= linkConnection
        connStream c opts spec p source
    subscribe :: forall e. Typeable e => EventSpec e -> IO (Subscription e)
    subscribe spec = case hosted (eventModule spec) of
      Just _ -> localSubscribe (nodeLocal n) (nodeLimits n) (nodeCounters n) spec
      Nothing -> do
        link <- route n (eventModule spec)
        linkSubscribe (nodeCounters n) (nodeLimits n) link spec

-- | Publishes to subscribers in this process and to every peer subscribed to the event; never
-- waits (a congested peer's events queue per subscription, bounded, drops counted). The payload
-- is encoded once per codec.
nodePublisher :: Node -> Publisher
nodePublisher n = Publisher publish
  where
    publish :: forall e. Typeable e => EventSpec e -> e -> IO ()
    publish spec payload = do
      localPublish (nodeLocal n) (nodeCounters n) spec payload
      conns <- IM.elems <$> readTVarIO (nodeConns n)
      unless (null conns) $ do
        cache <- newIORef Map.empty
        let encoded codec = do
              cached <- Map.lookup codec <$> readIORef cache
              case cached of
                Just b -> pure b
                Nothing -> do
                  b <- evaluate (encodePayload (eventPayload spec) codec payload)
                  modifyIORef' cache (Map.insert codec b)
                  pure b
        forM_ conns $ \c -> connSendEvent c (mdName (eventModule spec)) (eventName spec) encoded

-- | The control channel's documents (docs/wire.md §7).
control :: Node -> Text -> IO Doc
control n member = case member of
  "manifest" ->
    pure $ DObj
      [ ("node", DStr (nodeName n)), ("protocol", DInt 1), ("limits", limitsDoc (nodeLimits n))
      , ("bundle", moduleBundle (map serviceModule (Map.elems (nodeServed n)))) ]
  _ -> do
    now <- monotonicMs
    conns <- IM.size <$> readTVarIO (nodeConns n)
    counters <- countersDoc (nodeCounters n)
    pure $ DObj
      [ ("node", DStr (nodeName n)), ("status", DStr "ok"), ("uptime_ms", DInt (toInteger (now - nodeStarted n)))
      , ("connections", DInt (toInteger conns)), ("modules", DArr (map DStr (Map.keys (nodeServed n))))
      , ("counters", counters) ]

-- | The control channel's documents of this node (docs/wire.md §7), as a peer would get them.
nodeHealth, nodeManifest :: Node -> IO Doc
nodeHealth n = control n "health"
nodeManifest n = control n "manifest"

-- | Stops listening, says GOODBYE on every connection (calls in flight finish, within
-- @graceMs@), stops the plugins and ends the local subscriptions.
closeNode :: Node -> Int -> IO ()
closeNode n graceMs = do
  readIORef (nodeListeners n) >>= mapM_ listenerClose
  links <- readTVarIO (nodeLinks n)
  conns <- IM.elems <$> readTVarIO (nodeConns n)
  done <- forM (map (closeLink graceMs) links <> [closeConnection c "node stopping" graceMs | c <- conns]) $ \act -> do
    v <- newEmptyMVar
    _ <- forkIO (try act >>= \(_ :: Either SomeException ()) -> putMVar v ())
    pure v
  mapM_ takeMVar done
  plugins <- readTVarIO (nodePlugins n)
  stopped <- forM plugins $ \(grace, p) -> do
    v <- newEmptyMVar
    _ <- forkIO (try (stopPlugin grace p) >>= \(_ :: Either SomeException ()) -> putMVar v ())
    pure v
  mapM_ takeMVar stopped
  closeLocalSubs (nodeLocal n)

-- | Waits for SIGTERM or SIGINT, or, in a stdio plugin, for the parent to go (stdin closed).
awaitStop :: Node -> IO ()
awaitStop n = do
  stop <- newEmptyTMVarIO
  let handler = Catch (void (atomically (tryPutTMVar stop ())))
  _ <- installHandler sigTERM handler Nothing
  _ <- installHandler sigINT handler Nothing
  atomically $ takeTMVar stop `orElse` (readTVar (nodeStdio n) >>= maybe retry waitClosed)
