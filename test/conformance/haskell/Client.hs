{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Haskell conformance client (test/conformance/README.md): runs every case of cases.json through
-- the generated ConformanceClient over the node config in INTEROP_NODE_CONFIG and prints one JSON
-- line per case. Usage: conformance-client --cases PATH --transport T --codec C [--quick]
module Main (main) where

import Prelude hiding (fail)
import Control.Concurrent (newEmptyMVar, takeMVar, threadDelay, tryPutMVar)
import Control.Concurrent.Async (forConcurrently)
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (forM, forM_, replicateM, replicateM_, unless, void, when)
import qualified Data.ByteString as BS
import qualified Data.ByteString.Char8 as BC
import Data.IORef
import Data.List (sort)
import Data.Maybe (fromMaybe, isJust)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word64)
import Impl
import Interop.Conformance
import Interop.Runtime
import Interop.Runtime.PlainJson (writeDoc)
import Interop.Runtime.Codec.Wire (Wire)
import Interop.Runtime.Declared (DeclaredError (..))
import Data.Proxy (Proxy (..))
import System.Environment (getArgs)
import System.IO
import System.Timeout (timeout)

-- | A case's fields (test/conformance/README.md).
field :: Text -> Doc -> Maybe Doc
field k (DObj kvs) = lookup k kvs
field _ _ = Nothing

str :: Maybe Doc -> Text
str (Just (DStr s)) = s
str _ = ""

int :: Maybe Doc -> Maybe Int
int (Just (DNumber t)) = fst <$> BC.readInt t
int (Just (DInt n)) = Just (fromInteger n)
int _ = Nothing

-- | Decodes a case's arguments (canonical JSON of the parameter struct) with the generated codec.
args :: Wire p => Text -> IO p
args text = either throwIO pure (decodeValue 64 CodecJson (TE.encodeUtf8 (if T.null text then "{}" else text)))

json :: Wire a => a -> Text
json = TE.decodeUtf8 . encodeValue CodecJson

-- | Every function of the schema through the client: arguments from JSON, result as JSON
-- (Nothing for a function without one).
invoke :: ConformanceClient -> Text -> Text -> IO (Maybe Text)
invoke c name a = case name of
  "echo_bool" -> args a >>= \(Params'echoBool v) -> Just . json <$> echoBool c v
  "echo_i8" -> args a >>= \(Params'echoI8 v) -> Just . json <$> echoI8 c v
  "echo_i16" -> args a >>= \(Params'echoI16 v) -> Just . json <$> echoI16 c v
  "echo_i32" -> args a >>= \(Params'echoI32 v) -> Just . json <$> echoI32 c v
  "echo_i64" -> args a >>= \(Params'echoI64 v) -> Just . json <$> echoI64 c v
  "echo_u8" -> args a >>= \(Params'echoU8 v) -> Just . json <$> echoU8 c v
  "echo_u16" -> args a >>= \(Params'echoU16 v) -> Just . json <$> echoU16 c v
  "echo_u32" -> args a >>= \(Params'echoU32 v) -> Just . json <$> echoU32 c v
  "echo_u64" -> args a >>= \(Params'echoU64 v) -> Just . json <$> echoU64 c v
  "echo_f32" -> args a >>= \(Params'echoF32 v) -> Just . json <$> echoF32 c v
  "echo_f64" -> args a >>= \(Params'echoF64 v) -> Just . json <$> echoF64 c v
  "echo_string" -> args a >>= \(Params'echoString v) -> Just . json <$> echoString c v
  "echo_bytes" -> args a >>= \(Params'echoBytes v) -> Just . json <$> echoBytes c v
  "echo_level" -> args a >>= \(Params'echoLevel v) -> Just . json <$> echoLevel c v
  "echo_list" -> args a >>= \(Params'echoList v) -> Just . json <$> echoList c v
  "echo_map" -> args a >>= \(Params'echoMap v) -> Just . json <$> echoMap c v
  "echo_maybe" -> args a >>= \(Params'echoMaybe v) -> Just . json <$> echoMaybe c v
  "echo_scalars" -> args a >>= \(Params'echoScalars v) -> Just . json <$> echoScalars c v
  "echo_containers" -> args a >>= \(Params'echoContainers v) -> Just . json <$> echoContainers c v
  "echo_optionals" -> args a >>= \(Params'echoOptionals v) -> Just . json <$> echoOptionals c v
  "echo_shape" -> args a >>= \(Params'echoShape v) -> Just . json <$> echoShape c v
  "echo_everything" -> args a >>= \(Params'echoEverything v) -> Just . json <$> echoEverything c v
  "add" -> args a >>= \(Params'add x y) -> Just . json <$> add c x y
  "nothing" -> args a >>= \Params'nothing -> Nothing <$ nothing c
  "fail" -> args a >>= \(Params'fail k) -> Just . json <$> fail c k
  "unimplemented" -> args a >>= \(Params'unimplemented v) -> Just . json <$> unimplemented c v
  "slow" -> args a >>= \(Params'slow ms) -> Just . json <$> slow c ms
  "next_count" -> args a >>= \Params'nextCount -> Just . json <$> nextCount c
  "last_note" -> args a >>= \Params'lastNote -> Just . json <$> lastNote c
  "publish" -> args a >>= \(Params'publish n t) -> Nothing <$ publish c n t
  "note" -> args a >>= \(Params'note t) -> Nothing <$ note c t
  _ -> throwIO (userError ("no function " <> T.unpack name))

-- | What a caller saw, as the case describes errors: the code, and for a declared error its
-- qualified type and detail (canonical JSON of its fields), checked as its generated type.
describeError :: SomeException -> (Text, Maybe (Text, Text))
describeError ex
  | Just (e :: NotFound) <- fromException ex = declared e
  | Just (e :: Invalid) <- fromException ex = declared e
  | Just (e :: Busy) <- fromException ex = declared e
  | Just (InteropError code _) <- fromException ex = (errorCodeName code, Nothing)
  | otherwise = ("NOT_AN_INTEROP_ERROR", Nothing)
  where
    declared :: forall e. DeclaredError e => e -> (Text, Maybe (Text, Text))
    declared e = ("APPLICATION_ERROR", Just (errorTypeName (Proxy :: Proxy e), json e))

-- | Whether an error is the one a case wants (@{code, type, detail}@).
checkError :: Doc -> SomeException -> Maybe Text
checkError want ex =
  let (code, decl) = describeError ex
   in if code /= str (field "code" want)
        then Just ("expected " <> str (field "code" want) <> ", got " <> code <> ": " <> T.pack (show ex))
        else case decl of
          Just (t, detail)
            | t /= str (field "type" want) -> Just ("expected a " <> str (field "type" want) <> ", got " <> t)
            | detail /= str (field "detail" want) -> Just ("detail " <> detail <> " != " <> str (field "detail" want))
          _ -> Nothing

runCall :: Invoker -> Doc -> IO (Maybe Text)
runCall invoker c = do
  let opts = defaultCallOptions {callTimeoutMs = int (field "timeout_ms" c)}
      client = conformanceClientWith opts invoker
  r <- try (invoke client (str (field "function" c)) (str (field "args" c)))
  pure $ case (r, field "error" c) of
    (Left ex, Just want) -> checkError want ex
    (Left ex, Nothing) -> Just ("unexpected error " <> T.pack (show ex))
    (Right _, Just want) -> Just ("expected " <> str (field "code" want) <> ", got a result")
    (Right got, Nothing) ->
      let expected = case field "result" c of
            Just (DStr s) -> Just s
            _ -> Nothing
       in if got == expected then Nothing else Just ("result " <> clip got <> " != " <> clip expected)
  where
    clip = T.take 200 . T.pack . show

-- | Sends the one-way call, then repeats @then@ until its result matches, for up to 5 s.
runOneway :: Invoker -> Doc -> IO (Maybe Text)
runOneway invoker c = do
  let client = conformanceClient invoker
      next = fromMaybe (DObj []) (field "then" c)
      want = str (field "result" next)
  _ <- invoke client (str (field "function" c)) (str (field "args" c))
  let poll :: Int -> IO (Maybe Text)
      poll left = do
        got <- invoke client (str (field "function" next)) (str (field "args" next))
        if got == Just want
          then pure Nothing
          else
            if left <= 0
              then pure (Just ("then-result " <> T.pack (show got) <> " != " <> want))
              else threadDelay 20000 >> poll (left - 1)
  poll 250

-- | Subscribes, calls, and expects the events (each subscription's in order) within 5 s.
runEvents :: Invoker -> Doc -> IO (Maybe Text)
runEvents invoker c = do
  let client = conformanceClient invoker
      wanted = case field "events" c of
        Just (DArr xs) -> [(str (field "event" x), case field "payload" x of Just (DStr s) -> Just s; _ -> Nothing) | x <- xs]
        _ -> []
  seen <- newTVarIO []
  let record name payload = atomically (modifyTVar' seen (<> [(name, payload)]))
  stops <- forM [s | Just (DArr xs) <- [field "subscribe" c], DStr s <- xs] $ \name -> case name of
    "ticked" -> do
      s <- subscribeTicked client
      _ <- onEvent s (record name . Just . json)
      pure (unsubscribe s)
    "pinged" -> do
      s <- subscribePinged client
      _ <- onEvent s (\() -> record name Nothing)
      pure (unsubscribe s)
    _ -> throwIO (userError ("no event " <> T.unpack name))
  problem <- runCall invoker c
  result <- case problem of
    Just p -> pure (Just p)
    Nothing -> do
      done <- timeout 5000000 (atomically (readTVar seen >>= \s -> check (length s >= length wanted)))
      got <- readTVarIO seen
      let of' es n = [p | (e, p) <- es, e == n]
          same = length got == length wanted && all (\n -> of' got n == of' wanted n) (map fst wanted)
      pure (if isJust done && same then Nothing else Just ("events " <> T.pack (show got) <> " != " <> T.pack (show wanted)))
  sequence_ stops
  pure result

-- | Starts the calls at once; the results must be distinct and consecutive.
runConcurrent :: Invoker -> Doc -> IO (Maybe Text)
runConcurrent invoker c = do
  let client = conformanceClient invoker
      calls = fromMaybe 0 (int (field "calls" c))
  results <- forConcurrently [1 .. calls] $ \_ -> invoke client (str (field "function" c)) (str (field "args" c))
  let values = sort [read (T.unpack (T.filter (/= '"') v)) :: Word64 | Just v <- results]
  pure $ case values of
    (first : _) | values == take calls [first ..] -> Nothing
    _ -> Just ("results are not distinct and consecutive: " <> T.pack (show (take 5 values)))

-- | Echoes @length@ bytes where byte i is i mod 251.
runBigEcho :: Invoker -> Doc -> IO (Maybe Text)
runBigEcho invoker c = do
  let n = fromMaybe 0 (int (field "length" c))
      bytes = BS.pack [fromIntegral (i `mod` 251) | i <- [0 .. n - 1]]
  got <- echoBytes (conformanceClient invoker) bytes
  pure (if got == bytes then Nothing else Just ("echo of " <> T.pack (show n) <> " bytes differs (got " <> T.pack (show (BS.length got)) <> ")"))

ints :: Text -> Doc -> [Int]
ints k c = [n | Just (DArr xs) <- [field k c], x <- xs, Just n <- [int (Just x)]]

-- | Streams one chunk per size into the function; its answer must be the case's result.
runClientStream :: Invoker -> Doc -> IO (Maybe Text)
runClientStream invoker c = do
  source <- sourceList (map chunk (ints "sizes" c))
  got <- json <$> upload (conformanceClient invoker) source
  pure (if Just got == (case field "result" c of Just (DStr s) -> Just s; _ -> Nothing) then Nothing else Just ("result " <> got))

-- | Reads the stream: one chunk per size, whole and in order.
runServerStream :: Invoker -> Doc -> IO (Maybe Text)
runServerStream invoker c = do
  Params'download sizes <- args (str (field "args" c))
  got <- download (conformanceClient invoker) sizes itemsToList
  pure $
    if map BS.length got /= ints "sizes" c
      then Just ("chunk sizes " <> T.pack (show (map BS.length got)) <> " != " <> T.pack (show (ints "sizes" c)))
      else if all (\g -> g == chunk (BS.length g)) got then Nothing else Just "a chunk has the wrong bytes"

-- | Streams the lines, each only after the answer to the one before.
runPingPong :: Invoker -> Doc -> IO (Maybe Text)
runPingPong invoker c = do
  let lines' = [s | Just (DArr xs) <- [field "lines" c], DStr s <- xs]
  rest <- newIORef lines'
  first <- newIORef True
  answered <- newEmptyMVar
  let source = Source $ do
        isFirst <- readIORef first
        writeIORef first False
        unless isFirst (takeMVar answered) -- the next line only after this one's answer
        atomicModifyIORef' rest (\l -> case l of [] -> ([], Nothing); (x : xs) -> (xs, Just x))
  got <- pingPong (conformanceClient invoker) source $ \items -> do
    seen <- newIORef []
    forItems_ items (\a -> modifyIORef' seen (a :) >> void (tryPutMVar answered ()))
    reverse <$> readIORef seen
  let want = map ("pong " <>) lines'
  pure (if got == want then Nothing else Just ("answers " <> T.pack (show got) <> " != " <> T.pack (show want)))

-- | Ticks 1 … count, then the case's error (or a clean end), within_ms after the last tick.
runTicks :: Invoker -> Doc -> IO (Maybe Text)
runTicks invoker c = do
  let client = conformanceClientWith defaultCallOptions {callTimeoutMs = int (field "timeout_ms" c)} invoker
      count = fromMaybe 0 (int (field "count" c))
      open body = case str (field "function" c) of
        "die_mid_stream" -> args (str (field "args" c)) >>= \(Params'dieMidStream n) -> dieMidStream client n body
        _ -> args (str (field "args" c)) >>= \(Params'tickStream n e) -> tickStream client n e body
  seen <- newIORef []
  r <- try (open (\items -> forItems_ items (\t -> modifyIORef' seen (t :))))
  learnedAt <- wallClockMs
  ticks <- reverse <$> readIORef seen
  pure $ case (map tickN ticks == map fromIntegral [1 .. count], r, field "error" c) of
    (False, _, _) -> Just ("ticks " <> T.pack (show (map tickN ticks)) <> ", want 1…" <> T.pack (show count))
    (_, Left ex, Nothing) -> Just ("unexpected error after the ticks: " <> T.pack (show ex))
    (_, Right (), Nothing) -> Nothing
    (_, Right (), Just want) -> Just ("expected " <> str (field "code" want) <> " after the ticks, the stream ended")
    (_, Left ex, Just want) -> case checkError want ex of
      Just problem -> Just problem
      Nothing ->
        let took = learnedAt - maybe 0 (read . T.unpack . tickText) (lastOf ticks)
         in case int (field "within_ms" c) of
              Just bound | took >= fromIntegral bound -> Just ("learned of it " <> T.pack (show (round took :: Int)) <> " ms after the last tick (bound " <> T.pack (show bound) <> " ms)")
              _ -> Nothing
  where
    lastOf xs = if null xs then Nothing else Just (last xs)

-- | Reads count ticks, leaves the body (which cancels the stream), then polls stream_stats until
-- the server's handler has seen the cancel.
runCancelByCaller :: Invoker -> Doc -> IO (Maybe Text)
runCancelByCaller invoker c = do
  let client = conformanceClient invoker
      count = fromMaybe 0 (int (field "count" c))
      bound = fromIntegral (fromMaybe 0 (int (field "within_ms" c))) :: Double
  Params'tickStream n e <- args (str (field "args" c))
  stoppedAt <- tickStream client n e $ \items ->
    let loop = nextItem items >>= \t -> case t of
          Just x | fromIntegral (tickN x) < count -> loop
          _ -> fromIntegral . (floor :: Double -> Integer) <$> wallClockMs -- whole ms, as a TS server's Date.now()
     in loop
  let poll :: Int -> IO (Maybe Text)
      poll left = do
        cancelledAt <- streamStatsCancelledAtMs <$> streamStats client
        if cancelledAt >= stoppedAt
          then pure (if cancelledAt - stoppedAt < bound then Nothing else Just ("the callee learned of the cancel " <> T.pack (show (round (cancelledAt - stoppedAt) :: Int)) <> " ms later (bound " <> T.pack (show bound) <> " ms)"))
          else if left <= 0 then pure (Just "the callee never learned that the stream was cancelled") else threadDelay 5000 >> poll (left - 1)
  poll 1000

-- | Reads some items of an endless stream, then checks that credit holds the producer between
-- half a window and a window ahead, and that a window more items arrive.
runFlood :: Invoker -> Doc -> IO (Maybe Text)
runFlood invoker c = do
  let client = conformanceClient invoker
      n = fromMaybe 0 (int (field "read" c))
      window = fromMaybe 0 (int (field "window" c))
      produced = fromIntegral . streamStatsFloodProduced <$> streamStats client
  Params'flood size total <- args (str (field "args" c))
  flood client size total $ \items -> do
    replicateM_ n (nextItem items)
    -- The producer runs on as far as credit lets it: at least half a window ahead (however long
    -- that takes on a loaded machine), and, given time, never more than a window.
    _ <- timeout 10000000 (let wait = produced >>= \p -> when (p < n + window `div` 2) (threadDelay 20000 >> wait) in wait)
    threadDelay 300000
    p <- produced
    if p < n + window `div` 2 || p > n + window
      then pure (Just ("the producer made " <> T.pack (show p) <> " items with " <> T.pack (show n) <> " read and a window of " <> T.pack (show window)))
      else do
        more <- replicateM window (nextItem items)
        pure (if all isJust more then Nothing else Just "the stream ended before a window more items arrived")

main :: IO ()
main = do
  argv <- getArgs
  let opt k = case dropWhile (/= k) argv of (_ : v : _) -> Just v; _ -> Nothing
      quick = "--quick" `elem` argv
  casesPath <- maybe (throwIO (userError "usage: conformance-client --cases PATH --transport T --codec C [--quick]")) pure (opt "--cases")
  doc <- BS.readFile casesPath >>= either throwIO pure . parseDoc
  (handlers, events) <- conformanceImplementation
  node <- startNode defaultNodeOptions {nodeServices = [conformanceService handlers], nodeModules = [conformanceModule]}
  writeIORef events (Just (conformanceEvents (nodePublisher node)))
  hSetBuffering stdout LineBuffering
  let transport = T.pack (fromMaybe "" (opt "--transport"))
      -- A case may apply to some transports only (losing the peer needs one).
      applies c = case field "transports" c of
        Just (DArr ts) -> DStr transport `elem` ts
        _ -> True
  forM_ [x | Just (DArr xs) <- [field "cases" doc], x <- xs] $ \c ->
    unless ((quick && field "quick" c == Just (DBool False)) || not (applies c)) $ do
      let run = case str (field "kind" c) of
            "call" -> runCall
            "oneway" -> runOneway
            "events" -> runEvents
            "concurrent" -> runConcurrent
            "big_echo" -> runBigEcho
            "client_stream" -> runClientStream
            "server_stream" -> runServerStream
            "ping_pong" -> runPingPong
            "ticks" -> runTicks
            "cancel_by_caller" -> runCancelByCaller
            "flood" -> runFlood
            k -> \_ _ -> pure (Just ("unknown kind " <> k))
      r <- try (run (nodeInvoker node) c)
      let problem = either (\(e :: SomeException) -> Just ("raised " <> T.pack (show e))) id r
          line = DObj ([("case", DStr (str (field "name" c))), ("ok", DBool (problem == Nothing))] <> maybe [] (\p -> [("detail", DStr p)]) problem)
      BC.putStrLn (writeDoc line)
  closeNode node 500
