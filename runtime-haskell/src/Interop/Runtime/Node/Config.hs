{-# LANGUAGE OverloadedStrings #-}
-- | The node config (docs/config.md "Node config", docs/config.schema.json): read from a document,
-- a file, or the INTEROP_NODE_CONFIG environment variable (a path, or the JSON text itself), and
-- checked against the rules of the schema. Every problem is reported at once, one line each, as a
-- path into the config and what was expected, the way the other runtimes report them:
--
-- > invalid node config (app.json):
-- >   connect[1].address: is required
-- >   limits.max_in_flight: expected an integer >= 1, got 0
module Interop.Runtime.Node.Config
  ( NodeConfig (..)
  , ConnectEntry (..)
  , PluginEntry (..)
  , configEnv
  , loadConfig
  , parseConfig
  ) where

import Control.Exception (throwIO)

import qualified Data.ByteString as BS
import qualified Data.ByteString.Char8 as BC
import Data.Char (isAlphaNum, isAsciiLower, isDigit)
import Data.List (nub)
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Codec (Codec (..), allCodecs, codecFromName, codecName)
import Interop.Runtime.Limits
import Interop.Runtime.PlainJson
import Interop.Runtime.Transport.Shm (defaultSpinUs)
import System.Environment (lookupEnv)

data NodeConfig = NodeConfig
  { cfgNode :: !Text
  , cfgModules :: !(Maybe [Text]) -- ^ absent: every implementation the program gave
  , cfgListen :: ![Text]
  , cfgControl :: !(Maybe Text)
  , cfgStdio :: !Bool
  , cfgToken :: !(Maybe Text)
  , cfgConnect :: ![ConnectEntry]
  , cfgPlugins :: ![PluginEntry]
  , cfgLimits :: !Limits
  , cfgShmSpinUs :: !Int -- ^ shm.spin_us: µs a shm reader polls before it sleeps
  }
  deriving (Show)

data ConnectEntry = ConnectEntry
  { connectAddress :: !Text
  , connectModules :: ![Text]
  , connectCodec :: !(Maybe Codec)
  , connectMemberCodecs :: ![(Text, Codec)] -- ^ member_codecs: "module.member" -> codec
  , connectToken :: !(Maybe Text)
  }
  deriving (Show)

data PluginEntry = PluginEntry
  { pluginCommand :: ![Text]
  , pluginModules :: ![Text]
  , pluginCwd :: !(Maybe Text)
  , pluginEnv :: ![(Text, Text)]
  , pluginCodec :: !(Maybe Codec)
  , pluginMemberCodecs :: ![(Text, Codec)]
  , pluginToken :: !(Maybe Text)
  , pluginGraceMs :: !Int
  }
  deriving (Show)

configEnv :: String
configEnv = "INTEROP_NODE_CONFIG"

-- | The config given, or the one INTEROP_NODE_CONFIG names. Throws a 'userError' listing every
-- problem (for people: a path into the config and what was expected).
loadConfig :: Maybe Doc -> IO NodeConfig
loadConfig given = do
  (source, doc) <- case given of
    Just d -> pure ("given", d)
    Nothing -> do
      env <- lookupEnv configEnv
      text <- maybe (throwIO (userError (configEnv <> " is not set: give the node config (a path or the JSON text) there"))) pure env
      bytes <- if take 1 (dropWhile (== ' ') text) == "{" then pure (TE.encodeUtf8 (T.pack text)) else BS.readFile text
      let source = if take 1 (dropWhile (== ' ') text) == "{" then configEnv else text
      case parseDoc bytes of
        Left e -> throwIO (userError ("invalid node config (" <> source <> "): not JSON: " <> show e))
        Right d -> pure (source, d)
  either (\issues -> throwIO (userError ("invalid node config (" <> source <> "):\n" <> unlines (map (("  " <>) . T.unpack) issues)))) pure (parseConfig doc)

type Issues = [Text]

-- | Checks a config document; Left: every problem found.
parseConfig :: Doc -> Either Issues NodeConfig
parseConfig doc = case doc of
  DObj top ->
    let issues = checkTop top
     in if null issues then Right (build top) else Left issues
  _ -> Left ["(top): expected an object"]

topFields, connectFields, pluginFields :: [Text]
topFields = ["$schema", "node", "modules", "listen", "control", "stdio", "token", "connect", "plugins", "limits", "shm"]
connectFields = ["node", "address", "codec", "member_codecs", "modules", "token"]
pluginFields = ["node", "command", "cwd", "env", "codec", "member_codecs", "modules", "token", "shutdown_grace_ms"]

checkTop :: [(Text, Doc)] -> Issues
checkTop top =
  unknownFields "" topFields top
    <> required "" ["node"] top
    <> field "node" (\p v -> string p v <> (case v of DStr s | T.null s || T.length s > 64 -> [p <> ": expected 1 to 64 characters"]; _ -> []))
    <> field "modules" (\p v -> array p v (\q x -> moduleName q x) <> unique p v)
    <> field "listen" (\p v -> array p v address <> unique p v)
    <> field "control" address
    <> field "stdio" boolean
    <> field "token" (\p v -> string p v <> (case v of DStr "" -> [p <> ": expected a non-empty string"]; _ -> []))
    <> field "connect" (\p v -> array p v (\q x -> object q x (\o -> unknownFields q connectFields o <> required q ["address", "modules"] o
          <> at q "address" o address <> at q "node" o string <> at q "codec" o codec <> at q "token" o string
          <> at q "member_codecs" o (memberCodecs o)
          <> at q "modules" o (\r y -> array r y moduleName <> unique r y))))
    <> field "plugins" (\p v -> array p v (\q x -> object q x (\o -> unknownFields q pluginFields o <> required q ["command", "modules"] o
          <> at q "command" o (\r y -> array r y string <> (case y of DArr [] -> [r <> ": expected at least one item (the program)"]; _ -> []))
          <> at q "node" o string <> at q "cwd" o string <> at q "codec" o codec <> at q "token" o string
          <> at q "member_codecs" o (memberCodecs o)
          <> at q "env" o (\r y -> object r y (\kvs -> concat [string (r <> "." <> k) x' | (k, x') <- kvs]))
          <> at q "shutdown_grace_ms" o (integer 0 Nothing)
          <> at q "modules" o (\r y -> array r y moduleName <> unique r y))))
    <> field "limits" (\p v -> object p v (\o -> concat [limit (p <> "." <> k) k x | (k, x) <- o]))
    <> field "shm" (\p v -> object p v (\o -> unknownFields p ["spin_us"] o <> at p "spin_us" o (integer 0 (Just 1000000))))
  where
    field k f = at "" k top f

at :: Text -> Text -> [(Text, Doc)] -> (Text -> Doc -> Issues) -> Issues
at base k o f = maybe [] (f (join base k)) (lookup k o)

join :: Text -> Text -> Text
join base k = if T.null base then k else base <> "." <> k

unknownFields :: Text -> [Text] -> [(Text, Doc)] -> Issues
unknownFields base known o =
  [join base k <> ": is not a known field (allowed: " <> T.intercalate ", " (filter (/= "$schema") known) <> ")" | (k, _) <- o, k `notElem` known]

required :: Text -> [Text] -> [(Text, Doc)] -> Issues
required base names o = [join base n <> ": is required" | n <- names, lookup n o == Nothing]

kind :: Doc -> Text
kind d = case d of
  DNull -> "null"
  DBool _ -> "a boolean"
  DInt _ -> "a number"
  DNumber t -> "a number (" <> TE.decodeUtf8 t <> ")"
  DStr s -> "a string (" <> T.take 60 (T.pack (show s)) <> ")"
  DArr _ -> "an array"
  DObj _ -> "an object"

string, boolean, codec, address, moduleName :: Text -> Doc -> Issues
string p v = case v of DStr _ -> []; _ -> [p <> ": expected a string, got " <> kind v]
boolean p v = case v of DBool _ -> []; _ -> [p <> ": expected a boolean (true or false), got " <> kind v]
codec p v = case v of
  DStr s | Just _ <- codecFromName s -> []
  _ -> [p <> ": expected one of " <> T.intercalate ", " [T.pack (show (codecName c)) | c <- allCodecs] <> ", got " <> kind v]

-- | @member_codecs@: a codec per @"module.member"@ of one of the entry's modules (whether the
-- module has that member is checked by the node, which has the descriptors).
memberCodecs :: [(Text, Doc)] -> Text -> Doc -> Issues
memberCodecs entry p v = object p v (\kvs -> concat [key k <> codec (p <> "[" <> T.pack (show k) <> "]") x | (k, x) <- kvs])
  where
    modules = [m | Just (DArr xs) <- [lookup "modules" entry], DStr m <- xs]
    key k
      | any (\m -> (m <> ".") `T.isPrefixOf` k && not (T.any (== '.') (T.drop (T.length m + 1) k)) && T.length k > T.length m + 1) modules = []
      | otherwise = [p <> "[" <> T.pack (show k) <> "]: \"" <> k <> "\" is not a member of this entry's modules (write \"module.function\" or \"module.event\")"]
address p v = case v of
  DStr s | validAddress s -> []
  _ -> [p <> ": expected an address such as \"unix:/path/to.sock\" or \"tcp://127.0.0.1:7000\", got " <> kind v]
moduleName p v = case v of
  DStr s | validModule s -> []
  _ -> [p <> ": expected a qualified module name such as \"example.chat\", got " <> kind v]

validAddress :: Text -> Bool
validAddress s
  | Just rest <- T.stripPrefix "unix:" s = not (T.null rest)
  | Just rest <- T.stripPrefix "tcp://" s =
      let (host, port) = T.breakOnEnd ":" rest
       in not (T.null host) && not (T.any (== '/') host) && T.length port >= 1 && T.length port <= 5 && T.all isDigit port
  | otherwise = case T.break (== ':') s of
      (scheme, rest) -> not (T.null rest) && maybe False (\(c, r) -> isAsciiLower c && T.all (\x -> isAsciiLower x || isDigit x || x `elem` ("+.-" :: String)) r) (T.uncons scheme)

validModule :: Text -> Bool
validModule s = not (T.null s) && all part (T.splitOn "." s)
  where part p = maybe False (\(c, r) -> (c == '_' || (isAlphaNum c && not (isDigit c))) && T.all (\x -> x == '_' || (isAlphaNum x && x < '\128')) r) (T.uncons p)

array :: Text -> Doc -> (Text -> Doc -> Issues) -> Issues
array p v f = case v of
  DArr xs -> concat [f (p <> "[" <> T.pack (show i) <> "]") x | (i, x) <- zip [0 :: Int ..] xs]
  _ -> [p <> ": expected an array, got " <> kind v]

unique :: Text -> Doc -> Issues
unique p v = case v of
  DArr xs | length (nub xs) /= length xs -> [p <> ": holds an item twice"]
  _ -> []

object :: Text -> Doc -> ([(Text, Doc)] -> Issues) -> Issues
object p v f = case v of
  DObj o -> f o
  _ -> [p <> ": expected an object, got " <> kind v]

integer :: Integer -> Maybe Integer -> Text -> Doc -> Issues
integer lo hi p v = case v of
  DNumber t | Just n <- readInteger t, n >= lo, maybe True (n <=) hi -> []
  DInt n | n >= lo, maybe True (n <=) hi -> []
  _ -> [p <> ": expected an integer >= " <> T.pack (show lo) <> maybe "" (\h -> " and <= " <> T.pack (show h)) hi <> ", got " <> kind v]

readInteger :: BS.ByteString -> Maybe Integer
readInteger t = case BC.readInteger t of
  Just (n, rest) | BS.null rest -> Just n
  _ -> Nothing

limit :: Text -> Text -> Doc -> Issues
limit p name v = case name of
  "event_queue_policy" -> case v of
    DStr s | s `elem` ["drop_oldest", "drop_newest", "block"] -> []
    _ -> [p <> ": expected one of \"drop_oldest\", \"drop_newest\", \"block\", got " <> kind v]
  "max_frame_bytes" -> integer 14 (Just 4294967295) p v
  "max_target_bytes" -> integer 1 (Just 65535) p v
  "stream_window" -> integer 1 (Just 4294967295) p v
  _ | name `elem` ["max_depth", "max_in_flight", "max_event_queue", "max_connections"] -> integer 1 Nothing p v
    | name `elem` ["default_deadline_ms", "handshake_timeout_ms", "idle_timeout_ms", "frame_timeout_ms"] -> integer 1 (Just 2147483647) p v
  _ -> [p <> ": is not a known field (allowed: max_frame_bytes, max_depth, max_in_flight, max_event_queue, event_queue_policy, default_deadline_ms, handshake_timeout_ms, max_target_bytes, stream_window, max_connections, idle_timeout_ms, frame_timeout_ms)"]

-- | The config of a document that passed 'checkTop'.
build :: [(Text, Doc)] -> NodeConfig
build top =
  NodeConfig
    { cfgNode = str (get "node")
    , cfgModules = strs <$> lookup "modules" top
    , cfgListen = maybe [] strs (lookup "listen" top)
    , cfgControl = str <$> lookup "control" top
    , cfgStdio = lookup "stdio" top == Just (DBool True)
    , cfgToken = str <$> lookup "token" top
    , cfgConnect = [connect o | DObj o <- maybe [] items (lookup "connect" top)]
    , cfgPlugins = [plugin o | DObj o <- maybe [] items (lookup "plugins" top)]
    , cfgLimits = either (const defaultLimits) id (limitsWithOverrides defaultLimits [(k, asInt v) | DObj o <- [fromMaybe (DObj []) (lookup "limits" top)], (k, v) <- o])
    , cfgShmSpinUs = head ([fromInteger n | Just (DObj o) <- [lookup "shm" top], Just d <- [lookup "spin_us" o], DInt n <- [asInt d]] <> [defaultSpinUs])
    }
  where
    get k = fromMaybe DNull (lookup k top)
    str (DStr s) = s
    str _ = ""
    items (DArr xs) = xs
    items _ = []
    strs = map str . items
    asInt (DNumber t) = maybe (DNumber t) DInt (readInteger t)
    asInt d = d
    codecOf o = case lookup "codec" o of
      Just (DStr s) -> codecFromName s
      _ -> Nothing
    membersOf o = [(k, c) | Just (DObj kvs) <- [lookup "member_codecs" o], (k, DStr s) <- kvs, Just c <- [codecFromName s]]
    connect o = ConnectEntry (str (fromMaybe DNull (lookup "address" o))) (maybe [] strs (lookup "modules" o)) (codecOf o) (membersOf o) (str <$> lookup "token" o)
    plugin o =
      PluginEntry
        (maybe [] strs (lookup "command" o)) (maybe [] strs (lookup "modules" o)) (str <$> lookup "cwd" o)
        [(k, str v) | DObj kvs <- [fromMaybe (DObj []) (lookup "env" o)], (k, v) <- kvs]
        (codecOf o) (membersOf o) (str <$> lookup "token" o)
        (maybe 2000 (\d -> case asInt d of DInt n -> fromInteger n; _ -> 2000) (lookup "shutdown_grace_ms" o))

