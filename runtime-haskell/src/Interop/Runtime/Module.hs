{-# LANGUAGE ExistentialQuantification, OverloadedStrings, RankNTypes, ScopedTypeVariables #-}
-- | What generated code hands to the runtime and what the runtime hands back: a descriptor per
-- module, a spec per function and event (target, payload codecs, declared errors), the client's
-- 'Invoker', the server's 'Service', and the 'Subscription' of an event. The runtime works only
-- through these, so it never needs to know a schema; generated code never needs to know a
-- transport.
module Interop.Runtime.Module
  ( -- * Descriptors and specs
    ModuleDesc (..)
  , withCompat
  , FnKind (..)
  , PayloadCodec (..)
  , valuePayload, paramsPayload, emptyPayload
  , ErrorSpec (..)
  , errorSpec
  , CallSpec (..)
  , OnewaySpec (..)
  , EventSpec (..)
  , StreamSpec (..)
  , callSpec, onewaySpec, eventSpec, streamSpec
  , streamFlags
    -- * Calling
  , CallOptions (..)
  , defaultCallOptions
  , CallContext (..)
  , remainingMs
  , Invoker (..)
  , StreamHandle (..)
  , clientStream
  , withStream
  , Subscription (..)
  , Publisher (..)
    -- * Serving
  , Service (..)
  , Served (..)
  , StreamRun (..)
  , Failure (..)
  , service
  , serveCall
  , serveOneway
  , serveStream
  , unimplemented
  , classifyFailure
  , moduleBundle
  , monotonicMs
  ) where

import Control.Concurrent.STM
import Control.Exception
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.Dynamic (Dynamic, toDyn)
import qualified Data.Map.Strict as Map
import Data.Bits ((.|.))
import Data.Proxy (Proxy (..))
import qualified Data.Set as Set
import Data.Text (Text)
import qualified Data.Text as T
import Data.Typeable (Typeable)
import Data.Word (Word16)
import GHC.Clock (getMonotonicTimeNSec)
import Interop.Runtime.Codec
import Interop.Runtime.Codec.Json (JValue (JObject))
import Interop.Runtime.Codec.Msgpack (MValue (MMap))
import Interop.Runtime.Codec.Wire
import Interop.Runtime.Compat (compatOfIr)
import Interop.Runtime.Declared
import Interop.Runtime.Envelope (Detail (..))
import Interop.Runtime.Error
import Interop.Runtime.PlainJson
import Interop.Runtime.Stream

-- Generated code uses these once per function, event or error of a module; called rather than
-- inlined there (each would copy the encoder and decoder of its type into the generated module),
-- as the codec pieces of Interop.Runtime.Codec.Record.
{-# NOINLINE valuePayload #-}
{-# NOINLINE paramsPayload #-}
{-# NOINLINE errorSpec #-}
{-# NOINLINE callSpec #-}
{-# NOINLINE onewaySpec #-}
{-# NOINLINE eventSpec #-}
{-# NOINLINE streamSpec #-}
{-# NOINLINE serveCall #-}
{-# NOINLINE serveOneway #-}
{-# NOINLINE serveStream #-}
{-# NOINLINE clientStream #-}
{-# NOINLINE withStream #-}
{-# NOINLINE unimplemented #-}

-- | A function's kind; a stream says whether it has an input (client stream) and an output
-- (server stream).
data FnKind = FnCall | FnOneway | FnStream {fnInput :: !Bool, fnOutput :: !Bool}
  deriving (Eq, Show)

-- | The REQUEST flags of a function (docs/wire.md §1.3): STREAM_IN, STREAM_OUT; 0 for a call.
streamFlags :: FnKind -> Word16
streamFlags k = case k of
  FnStream i o -> (if i then 0x0002 else 0) .|. (if o then 0x0004 else 0)
  _ -> 0

-- | A generated module's description, for the handshake (fingerprint), the server (names) and
-- the control channel's manifest (its IR, and those of the modules it imports).
data ModuleDesc = ModuleDesc
  { mdName :: !Text
  , mdVersion :: !Text
  , mdFingerprint :: !Text
  , mdIr :: !BS.ByteString -- ^ the module's IR (docs/ir.md) as JSON text
  , mdImports :: [ModuleDesc]
  , mdFunctions :: ![(Text, FnKind)]
  , mdEvents :: ![Text]
  , mdErrors :: [ErrorSpec] -- ^ every error type a function of the module throws
  , mdCompat :: Maybe Doc -- ^ the compatibility table of the IR (docs/ir.md), see 'withCompat'
  }

-- | Fills 'mdCompat' from the IR (once: a descriptor is a top-level value).
withCompat :: ModuleDesc -> ModuleDesc
withCompat m = m {mdCompat = compatOfIr (mdIr m)}

-- | How one payload travels: encoded in a codec, decoded with a depth limit.
data PayloadCodec a = PayloadCodec
  { encodePayload :: Codec -> a -> BS.ByteString
  , decodePayload :: Int -> Codec -> BS.ByteString -> Either InteropError a
  }

valuePayload :: Wire a => PayloadCodec a
valuePayload = PayloadCodec encodeValue decodeValue

-- | A function's parameters: a struct; an empty payload reads as a struct with no fields.
paramsPayload :: Wire a => PayloadCodec a
paramsPayload = PayloadCodec encodeValue decode
  where
    decode depth codec bytes
      | BS.null bytes, codec == CodecJson = readJson (JObject [])
      | BS.null bytes, codec == CodecMsgpack = readMsgpack (MMap [])
      | otherwise = decodeValue depth codec bytes

-- | No result, no event payload: 0 bytes in every codec (docs/wire.md §3).
emptyPayload :: PayloadCodec ()
emptyPayload = PayloadCodec (\_ _ -> BS.empty) (\_ _ _ -> Right ())

-- | A declared error type: its qualified name, how to recognise and encode a thrown one, and how
-- to raise one received in an envelope.
data ErrorSpec = ErrorSpec
  { errorName :: !Text
  , errorMatch :: SomeException -> Maybe (Codec -> B.Builder)
  , errorRaise :: Detail -> Either InteropError SomeException
  }

errorSpec :: forall e. DeclaredError e => Proxy e -> ErrorSpec
errorSpec p = ErrorSpec (errorTypeName p) match raise
  where
    match ex = (\(e :: e) c -> writeIn c e) <$> fromException ex
    raise d = toException <$> (case d of
      JsonDetail j -> readJson j
      MsgpackDetail m -> readMsgpack m
      PbDetail depth bytes -> pbDecodeBody depth bytes
      FbDetail depth bytes -> decodeValue depth CodecFlatbuffers bytes :: Either InteropError e)

data CallSpec p r = CallSpec
  { callModule :: ModuleDesc
  , callFunction :: !Text
  , callTarget :: !Text
  , callParams :: PayloadCodec p
  , callResult :: PayloadCodec r
  , callThrows :: [ErrorSpec]
  }

data OnewaySpec p = OnewaySpec
  { onewayModule :: ModuleDesc
  , onewayFunction :: !Text
  , onewayTarget :: !Text
  , onewayParams :: PayloadCodec p
  }

data EventSpec e = EventSpec
  { eventModule :: ModuleDesc
  , eventName :: !Text
  , eventTarget :: !Text
  , eventPayload :: PayloadCodec e
  }

-- | A stream function: parameters @p@, the caller's items @i@ (input), the callee's items @o@
-- (output) and the client stream's result @r@; @()@ and 'Nothing' where the function has none.
data StreamSpec p i o r = StreamSpec
  { streamModule :: ModuleDesc
  , streamFunction :: !Text
  , streamTarget :: !Text
  , streamParams :: PayloadCodec p
  , streamInput :: Maybe (PayloadCodec i)
  , streamOutput :: Maybe (PayloadCodec o)
  , streamResult :: PayloadCodec r
  , streamThrows :: [ErrorSpec]
  }

streamSpec :: ModuleDesc -> Text -> PayloadCodec p -> Maybe (PayloadCodec i) -> Maybe (PayloadCodec o) -> PayloadCodec r -> [ErrorSpec] -> StreamSpec p i o r
streamSpec m f = StreamSpec m f (mdName m <> "." <> f)

streamKind :: StreamSpec p i o r -> FnKind
streamKind s = FnStream (isJust' (streamInput s)) (isJust' (streamOutput s))
  where
    isJust' = maybe False (const True)

callSpec :: ModuleDesc -> Text -> PayloadCodec p -> PayloadCodec r -> [ErrorSpec] -> CallSpec p r
callSpec m f = CallSpec m f (mdName m <> "." <> f)

onewaySpec :: ModuleDesc -> Text -> PayloadCodec p -> OnewaySpec p
onewaySpec m f = OnewaySpec m f (mdName m <> "." <> f)

eventSpec :: ModuleDesc -> Text -> PayloadCodec e -> EventSpec e
eventSpec m e = EventSpec m e (mdName m <> "." <> e)

-- | Per call: a timeout (the node's @default_deadline_ms@ when absent; 0 for none) and a cancel
-- signal: an STM action that succeeds once the caller gives up (then the call fails with
-- CANCELLED and the server is told).
data CallOptions = CallOptions
  { callTimeoutMs :: !(Maybe Int)
  , callCancel :: !(Maybe (STM ()))
  }

defaultCallOptions :: CallOptions
defaultCallOptions = CallOptions Nothing Nothing

-- | What a handler learns about its call. A cancelled call or a passed deadline interrupts the
-- handler's thread (an asynchronous exception), so a handler needs no polling.
data CallContext = CallContext
  { ctxPeer :: !Text -- ^ the calling node's name, or "local" for a direct call
  , ctxDeadline :: !(Maybe Int) -- ^ on the 'monotonicMs' clock
  }

monotonicMs :: IO Int
monotonicMs = (\ns -> fromIntegral (ns `div` 1000000)) <$> getMonotonicTimeNSec

remainingMs :: CallContext -> IO (Maybe Int)
remainingMs ctx = case ctxDeadline ctx of
  Nothing -> pure Nothing
  Just d -> Just . max 0 . (d -) <$> monotonicMs

-- | How a generated client reaches its module: the same for a direct in-process call and any
-- transport. A node gives one ('Interop.Runtime.Node.invoker').
data Invoker = Invoker
  { invokeCall :: forall p r. (Typeable p, Typeable r) => CallOptions -> CallSpec p r -> p -> IO r
  , invokeOneway :: forall p. Typeable p => OnewaySpec p -> p -> IO ()
  , invokeSubscribe :: forall e. Typeable e => EventSpec e -> IO (Subscription e)
  , invokeStream :: forall p i o r. (Typeable p, Typeable i, Typeable o, Typeable r) => CallOptions -> StreamSpec p i o r -> p -> Source i -> IO (StreamHandle o r)
  }

-- | A stream the caller started: the callee's items, its answer, and a close that cancels the
-- stream unless it is over (the callee learns it at once: a CANCEL). Generated code uses it
-- through 'clientStream' and 'withStream', which always close it.
data StreamHandle o r = StreamHandle
  { streamItems :: Items o -- ^ the callee's output (at once the end when it has none)
  , streamOutcome :: IO r -- ^ waits for the answer: the client stream's result, or throws
  , streamClose :: IO ()
  }

-- | A client stream: sends the source's items, returns the callee's answer.
clientStream :: (Typeable p, Typeable i, Typeable o, Typeable r) => Invoker -> CallOptions -> StreamSpec p i o r -> p -> Source i -> IO r
clientStream inv opts spec p source = bracket (invokeStream inv opts spec p source) streamClose streamOutcome

-- | A stream with an output: runs @body@ on the callee's items. Leaving @body@ before the end
-- (returning, or an exception) cancels the stream.
withStream :: (Typeable p, Typeable i, Typeable o, Typeable r) => Invoker -> CallOptions -> StreamSpec p i o r -> p -> Source i -> (Items o -> IO b) -> IO b
withStream inv opts spec p source body = bracket (invokeStream inv opts spec p source) streamClose (body . streamItems)

-- | An event subscription backed by a bounded STM queue (@max_event_queue@, with the node's
-- @event_queue_policy@, drops counted).
data Subscription e = Subscription
  { receive :: STM (Maybe e) -- ^ the next event; 'Nothing' once the subscription ended
  , dropped :: STM Int -- ^ events discarded by the queue policy so far
  , unsubscribe :: IO ()
  , handlerFailed :: IO () -- ^ counts a failed event handler in health (see 'Interop.Runtime.onEvent')
  }

-- | How generated code publishes events: to every local and remote subscriber, never waiting.
newtype Publisher = Publisher {publishEvent :: forall e. Typeable e => EventSpec e -> e -> IO ()}

-- | Why a handler's call failed, as the caller will see it.
data Failure = Failure
  { failCode :: !ErrorCode
  , failMessage :: !Text
  , failDeclared :: !(Maybe (Text, Codec -> B.Builder)) -- ^ a declared error: type name and value
  }

-- | One function a service implements.
data Served = Served
  { servedKind :: !FnKind
    -- | Decodes the parameters; the action runs the handler and encodes its result.
  , servedDecode :: Int -> Codec -> BS.ByteString -> Either InteropError (CallContext -> IO (Either Failure BS.ByteString))
    -- | The handler itself (@p -> CallContext -> IO r@), for direct calls with no encoding.
  , servedDirect :: Dynamic
  , servedThrows :: [ErrorSpec]
    -- | A stream: decodes the parameters into what runs the stream (calls and one-way calls
    -- have 'Nothing').
  , servedStream :: Maybe (Int -> Codec -> BS.ByteString -> Either InteropError StreamRun)
  }

-- | One accepted stream of a peer's, its item types hidden: how its items travel, and the
-- handler, which reads the caller's items, emits its own and ends with its encoded answer.
data StreamRun = forall i o. StreamRun
  { runDecodeItem :: Int -> Codec -> BS.ByteString -> Either InteropError i
  , runEncodeItem :: Codec -> o -> BS.ByteString
  , runHandler :: Items i -> Emit o -> CallContext -> IO (Either Failure BS.ByteString)
  }

-- | A module implemented in this process (built by generated code from a handlers record).
data Service = Service
  { serviceModule :: ModuleDesc
  , serviceFunctions :: Map.Map Text Served
  }

service :: ModuleDesc -> [(Text, Served)] -> Service
service m = Service m . Map.fromList

serveCall :: (Typeable p, Typeable r) => CallSpec p r -> (p -> CallContext -> IO r) -> (Text, Served)
serveCall spec impl = (callFunction spec, Served FnCall decode (toDyn impl) (callThrows spec) Nothing)
  where
    decode depth codec bytes = do
      p <- decodePayload (callParams spec) depth codec bytes
      pure $ \ctx -> runToAnswer (mdErrors (callModule spec)) (callThrows spec) (encodePayload (callResult spec) codec <$> impl p ctx)

serveOneway :: Typeable p => OnewaySpec p -> (p -> CallContext -> IO ()) -> (Text, Served)
serveOneway spec impl = (onewayFunction spec, Served FnOneway decode (toDyn impl) [] Nothing)
  where
    decode depth codec bytes = do
      p <- decodePayload (onewayParams spec) depth codec bytes
      pure $ \ctx -> runToAnswer (mdErrors (onewayModule spec)) [] (BS.empty <$ impl p ctx)

-- | A stream handler gets the parameters, the caller's items (at once the end without an
-- input), a way to send its own (refused without an output) and the context; it returns the
-- client stream's result (@()@ otherwise). Returning ends its output: the answer follows the items.
serveStream :: (Typeable p, Typeable i, Typeable o, Typeable r) => StreamSpec p i o r -> (p -> Items i -> Emit o -> CallContext -> IO r) -> (Text, Served)
serveStream spec impl = (streamFunction spec, Served (streamKind spec) refuse (toDyn impl) (streamThrows spec) (Just open))
  where
    refuse _ _ _ = Left (interopError CodeInvalidArgument (streamTarget spec <> " is a stream"))
    open depth codec bytes = do
      p <- decodePayload (streamParams spec) depth codec bytes
      pure StreamRun
        { runDecodeItem = maybe (\_ _ _ -> Left noInput) decodePayload (streamInput spec)
        , runEncodeItem = maybe (\_ _ -> BS.empty) encodePayload (streamOutput spec)
        , runHandler = \items out ctx ->
            runToAnswer (mdErrors (streamModule spec)) (streamThrows spec) (encodePayload (streamResult spec) codec <$> impl p items out ctx)
        }
    noInput = interopError CodeProtocolError (streamTarget spec <> " has no input")

-- | Runs a handler to its encoded answer; anything it throws becomes the failure the caller
-- sees. Cancellation (an asynchronous exception) passes through.
runToAnswer :: [ErrorSpec] -> [ErrorSpec] -> IO BS.ByteString -> IO (Either Failure BS.ByteString)
runToAnswer moduleErrors throws run = do
  r <- try (run >>= evaluate)
  case r of
    Right bytes -> pure (Right bytes)
    Left ex
      | Just (_ :: SomeAsyncException) <- fromException ex -> throwIO ex
      | otherwise -> pure (Left (classifyFailure moduleErrors throws ex))

-- | A declared error of the function travels as itself; an InteropError keeps its code; any
-- other exception (an undeclared error type too) is INTERNAL.
classifyFailure :: [ErrorSpec] -> [ErrorSpec] -> SomeException -> Failure
classifyFailure moduleErrors throws ex = case [(errorName s, w) | s <- throws, Just w <- [errorMatch s ex]] of
  ((name, w) : _) -> Failure CodeApplicationError name (Just (name, w))
  [] -> case fromException ex of
    Just (InteropError code msg) -> Failure code msg Nothing
    Nothing -> case [errorName s | s <- moduleErrors, Just _ <- [errorMatch s ex]] of
      (name : _) -> Failure CodeInternal ("undeclared error " <> name) Nothing
      [] -> Failure CodeInternal (T.pack (show ex)) Nothing

-- | What a handler left as generated throws.
unimplemented :: Text -> IO a
unimplemented target = throwIO (interopError CodeUnimplemented (target <> " is not implemented"))

-- | The IR bundle a node serves (docs/ir.md): the roots and every module they import, each once,
-- imports first.
moduleBundle :: [ModuleDesc] -> Doc
moduleBundle roots =
  DObj [("irVersion", DInt 1), ("modules", DArr (map ir ordered)), ("roots", DArr (map (DStr . mdName) roots))]
  where
    ordered = reverse (snd (foldl visit (Set.empty, []) roots))
    visit (seen, acc) m
      | mdName m `Set.member` seen = (seen, acc)
      | otherwise =
          let (seen', acc') = foldl visit (Set.insert (mdName m) seen, acc) (mdImports m)
           in (seen', m : acc')
    ir m = either (const DNull) id (parseDoc (mdIr m))
