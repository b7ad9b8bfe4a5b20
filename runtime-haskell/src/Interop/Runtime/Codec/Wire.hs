{-# LANGUAGE FlexibleInstances, OverloadedStrings, ScopedTypeVariables #-}
-- | The codec of every type of the IDL (docs/wire.md §3), as one class: 'Wire' writes a value in
-- canonical JSON and msgpack and reads it back from a parsed tree. The runtime gives the
-- instances of the scalars and containers; generated code gives those of structs, unions, enums,
-- errors and aliases. 'WireKey' adds what a map key needs in JSON (keys are strings there).
module Interop.Runtime.Codec.Wire
  ( Wire (..)
  , WireKey (..)
  , Decoded
  , expected
  , intFromJson
  , intFromMsgpack
  , pbDecodeBody
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.Int (Int16, Int32, Int64, Int8)
import qualified Data.Map.Strict as Map
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word16, Word32, Word64, Word8)
import qualified Data.ByteString.Lazy as BL
import GHC.Float (castWord32ToFloat, castWord64ToDouble, double2Float, float2Double)
import Interop.Runtime.Codec.Base64
import Interop.Runtime.Codec.Flatbuffers (Fb)
import Interop.Runtime.Codec.Float
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Msgpack
import Interop.Runtime.Codec.Protobuf
import Interop.Runtime.Codec.Scalars
import Interop.Runtime.Error

-- | A decoder's result: the value, or the error the call fails with.
type Decoded a = Either InteropError a

-- | Every type also has the flatbuffers codec ('Fb', docs/wire.md §3.6).
class Fb a => Wire a where
  -- | Canonical JSON.
  writeJson :: a -> B.Builder
  -- | Canonical msgpack.
  writeMsgpack :: a -> B.Builder
  -- | Reads a value from a parsed JSON tree (depth and duplicate keys are already checked).
  readJson :: JValue -> Decoded a
  readMsgpack :: MValue -> Decoded a
  -- | The value a missing struct field of this type takes (docs/wire.md §3.1): the zero value,
  -- or 'Nothing' for a struct or union, whose absence is an error.
  zeroValue :: Maybe a
  zeroValue = Nothing
  -- | protobuf (docs/wire.md §3.5). Three layers, each written by the kind of type it belongs
  -- to: 'pbSingle' is one occurrence as field @n@ (scalars and enums: key and scalar; anything
  -- else: its 'pbBody' as a nested message); 'pbBody' is the message of a payload (structs and
  -- unions: their fields; anything else: field 1 of a wrapper message); 'pbField' is all a struct
  -- field of this type writes (one single; lists, maps and optionals override it).
  pbSingle :: Word32 -> a -> B.Builder
  pbSingle n v = pbMessage n (pbBody v)
  pbBody :: a -> B.Builder
  pbBody = pbField 1
  pbField :: Word32 -> a -> B.Builder
  pbField = pbSingle
  -- | A scalar that packs in a list: its wire type (0, 1 or 5) and its bytes without a key.
  pbPacked :: Maybe (Word64, a -> B.Builder)
  pbPacked = Nothing
  -- | Reads one occurrence (the default: a nested message, one level deeper).
  pbReadSingle :: PbDepth -> PbRaw -> Decoded a
  pbReadSingle d raw = pbEnter d raw >>= uncurry pbReadBody
  -- | Reads a scanned message ('pbBody''s reader).
  pbReadBody :: PbDepth -> PbScan -> Decoded a
  pbReadBody d scan = case scan of
    Left (_, e) -> Left e
    Right fs -> pbReadField d (pbOccurrences 1 fs) >>= maybe (maybe (Left pbMissing) Right zeroValue) Right
  -- | Reads every occurrence of a struct field; 'Nothing' when it has none.
  pbReadField :: PbDepth -> [PbRaw] -> Decoded (Maybe a)
  pbReadField d raws = case raws of
    [] -> Right Nothing
    [raw] -> Just <$> pbReadSingle d raw
    _ -> Left pbDuplicate

-- | A whole protobuf payload, a message at depth 0.
pbDecodeBody :: Wire a => Int -> BS.ByteString -> Decoded a
pbDecodeBody maxDepth bytes = pbReadBody (PbDepth 0 maxDepth) (pbScan bytes)

-- A scalar: one key and value; a packed list element without the key.
scalarSingle :: Word64 -> (a -> B.Builder) -> Word32 -> a -> B.Builder
scalarSingle wt write n v = pbKey n wt <> write v

pbSint :: Int64 -> B.Builder
pbSint = pbVarint . pbZigzag

sintFrom :: forall a. (Integral a, Bounded a) => Text -> PbRaw -> Decoded a
sintFrom what raw = do
  v <- pbUnzigzag <$> pbVarintOf raw
  if toInteger v < toInteger (minBound :: a) || toInteger v > toInteger (maxBound :: a)
    then Left (invalid ("expected " <> what <> ", got a value out of range"))
    else Right (fromIntegral v)

uintFrom :: forall a. (Integral a, Bounded a) => Text -> PbRaw -> Decoded a
uintFrom what raw = do
  v <- pbVarintOf raw
  if toInteger v > toInteger (maxBound :: a)
    then Left (invalid ("expected " <> what <> ", got a value out of range"))
    else Right (fromIntegral v)

bytesOf :: PbRaw -> Decoded BS.ByteString
bytesOf raw = case raw of
  RBytes b -> Right b
  _ -> pbWant 2 raw >> Left (invalid "unreachable")

-- | A map key type: integers, strings and enums (docs/wire.md §3.1). In msgpack a key is written
-- as its value; in JSON as a string, and 'keyFromJson' reads that string back.
class (Ord k, Wire k) => WireKey k where
  keyToJson :: k -> B.Builder
  keyFromJson :: Text -> Decoded k
  -- | Whether two different JSON key texts can read as one key ("0" and "-0"); maps of such
  -- keys compare their size with the object's.
  keysMayMerge :: Proxy k -> Bool
  keysMayMerge _ = True

-- | The error for a value of the wrong shape.
expected :: Text -> Text -> Decoded a
expected what got = Left (invalid ("expected " <> what <> ", got " <> got))

-- ---- integers ---------------------------------------------------------------------------------

intFromJson :: forall a. (Integral a, Bounded a) => Text -> JValue -> Decoded a
intFromJson what v = case v of
  JNumber t -> fromInteger <$> jsonInteger (toInteger (minBound :: a)) (toInteger (maxBound :: a)) what t
  _ -> expected what (jsonKind v)

intFromMsgpack :: forall a. (Integral a, Bounded a) => Text -> MValue -> Decoded a
intFromMsgpack what v = case v of
  MInt n -> check (toInteger n)
  MWord n -> check (toInteger n)
  _ -> expected what (msgpackKind v)
  where
    check n
      | n < toInteger (minBound :: a) || n > toInteger (maxBound :: a) =
          Left (invalid (what <> ": " <> T.pack (show n) <> " is out of range"))
      | otherwise = Right (fromInteger n)

-- 64-bit integers travel as decimal strings in JSON; a JSON number is accepted too.
int64FromJson :: forall a. (Integral a, Bounded a) => Text -> JValue -> Decoded a
int64FromJson what v = case v of
  JString t -> fromInteger <$> decimalText (toInteger (minBound :: a)) (toInteger (maxBound :: a)) what t
  _ -> intFromJson what v

intKey :: forall a. (Integral a, Bounded a) => Text -> Text -> Decoded a
intKey what t = fromInteger <$> decimalText (toInteger (minBound :: a)) (toInteger (maxBound :: a)) what t

quotedDec :: B.Builder -> B.Builder
quotedDec b = B.char7 '"' <> b <> B.char7 '"'

instance Wire Int8 where
  writeJson = B.int8Dec
  writeMsgpack = mpInt . fromIntegral
  readJson = intFromJson "i8"
  readMsgpack = intFromMsgpack "i8"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbSint . fromIntegral)
  pbPacked = Just (0, pbSint . fromIntegral)
  pbReadSingle _ = sintFrom "i8"

instance Wire Int16 where
  writeJson = B.int16Dec
  writeMsgpack = mpInt . fromIntegral
  readJson = intFromJson "i16"
  readMsgpack = intFromMsgpack "i16"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbSint . fromIntegral)
  pbPacked = Just (0, pbSint . fromIntegral)
  pbReadSingle _ = sintFrom "i16"

instance Wire Int32 where
  writeJson = B.int32Dec
  writeMsgpack = mpInt . fromIntegral
  readJson = intFromJson "i32"
  readMsgpack = intFromMsgpack "i32"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbSint . fromIntegral)
  pbPacked = Just (0, pbSint . fromIntegral)
  pbReadSingle _ = sintFrom "i32"

instance Wire Int64 where
  writeJson = quotedDec . B.int64Dec
  writeMsgpack = mpInt
  readJson = int64FromJson "i64"
  readMsgpack = intFromMsgpack "i64"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbSint . fromIntegral)
  pbPacked = Just (0, pbSint . fromIntegral)
  pbReadSingle _ = sintFrom "i64"

instance Wire Word8 where
  writeJson = B.word8Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u8"
  readMsgpack = intFromMsgpack "u8"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbVarint . fromIntegral)
  pbPacked = Just (0, pbVarint . fromIntegral)
  pbReadSingle _ = uintFrom "u8"

instance Wire Word16 where
  writeJson = B.word16Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u16"
  readMsgpack = intFromMsgpack "u16"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbVarint . fromIntegral)
  pbPacked = Just (0, pbVarint . fromIntegral)
  pbReadSingle _ = uintFrom "u16"

instance Wire Word32 where
  writeJson = B.word32Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u32"
  readMsgpack = intFromMsgpack "u32"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbVarint . fromIntegral)
  pbPacked = Just (0, pbVarint . fromIntegral)
  pbReadSingle _ = uintFrom "u32"

instance Wire Word64 where
  writeJson = quotedDec . B.word64Dec
  writeMsgpack = mpWord
  readJson = int64FromJson "u64"
  readMsgpack = intFromMsgpack "u64"
  zeroValue = Just 0
  pbSingle = scalarSingle 0 (pbVarint . fromIntegral)
  pbPacked = Just (0, pbVarint . fromIntegral)
  pbReadSingle _ = uintFrom "u64"

instance WireKey Int8 where
  keyToJson = quotedDec . B.int8Dec
  keyFromJson = intKey "i8 key"

instance WireKey Int16 where
  keyToJson = quotedDec . B.int16Dec
  keyFromJson = intKey "i16 key"

instance WireKey Int32 where
  keyToJson = quotedDec . B.int32Dec
  keyFromJson = intKey "i32 key"

instance WireKey Int64 where
  keyToJson = quotedDec . B.int64Dec
  keyFromJson = intKey "i64 key"

instance WireKey Word8 where
  keyToJson = quotedDec . B.word8Dec
  keyFromJson = intKey "u8 key"

instance WireKey Word16 where
  keyToJson = quotedDec . B.word16Dec
  keyFromJson = intKey "u16 key"

instance WireKey Word32 where
  keyToJson = quotedDec . B.word32Dec
  keyFromJson = intKey "u32 key"

instance WireKey Word64 where
  keyToJson = quotedDec . B.word64Dec
  keyFromJson = intKey "u64 key"

-- ---- other scalars ----------------------------------------------------------------------------

instance Wire Bool where
  writeJson b = if b then "true" else "false"
  writeMsgpack = mpBool
  readJson v = case v of
    JBool b -> Right b
    _ -> expected "bool" (jsonKind v)
  readMsgpack v = case v of
    MBool b -> Right b
    _ -> expected "bool" (msgpackKind v)
  zeroValue = Just False
  pbSingle = scalarSingle 0 (\b -> B.word8 (if b then 1 else 0))
  pbPacked = Just (0, \b -> B.word8 (if b then 1 else 0))
  pbReadSingle _ raw = pbVarintOf raw >>= \v -> case v of
    0 -> Right False
    1 -> Right True
    _ -> Left (invalid "expected bool, got a varint other than 0 and 1")

doubleFromJson :: Text -> JValue -> Decoded Double
doubleFromJson what v = case v of
  JNumber t -> Right (jsonDouble t)
  JString "NaN" -> Right (0 / 0)
  JString "Infinity" -> Right (1 / 0)
  JString "-Infinity" -> Right (-1 / 0)
  JString _ -> Left (invalid (what <> ": only \"NaN\", \"Infinity\" and \"-Infinity\" may stand for a number"))
  _ -> expected what (jsonKind v)

-- A float field takes either float format, never an integer (docs/wire.md §3.2: encoders always
-- write a float for a float type).
doubleFromMsgpack :: Text -> MValue -> Decoded Double
doubleFromMsgpack what v = case v of
  MF64 d -> Right d
  MF32 f -> Right (float2Double f)
  _ -> expected what (msgpackKind v)

instance Wire Double where
  writeJson = f64Text
  writeMsgpack = mpF64
  readJson = doubleFromJson "f64"
  readMsgpack = doubleFromMsgpack "f64"
  zeroValue = Just 0
  pbSingle = scalarSingle 1 pbF64Bits
  pbPacked = Just (1, pbF64Bits)
  pbReadSingle _ raw = case raw of
    RFixed64 w -> Right (castWord64ToDouble w)
    _ -> pbWant 1 raw >> Left (invalid "unreachable")

-- An f32 read from JSON is read as the nearest f64, then rounded to f32.
instance Wire Float where
  writeJson = f32Text
  writeMsgpack = mpF32
  readJson v = double2Float <$> doubleFromJson "f32" v
  readMsgpack v = case v of
    MF32 f -> Right f
    _ -> double2Float <$> doubleFromMsgpack "f32" v
  zeroValue = Just 0
  pbSingle = scalarSingle 5 pbF32Bits
  pbPacked = Just (5, pbF32Bits)
  pbReadSingle _ raw = case raw of
    RFixed32 w -> Right (castWord32ToFloat w)
    _ -> pbWant 5 raw >> Left (invalid "unreachable")

instance Wire Text where
  writeJson = jsonString
  writeMsgpack = mpStr
  readJson v = case v of
    JString t -> Right t
    _ -> expected "string" (jsonKind v)
  readMsgpack v = case v of
    MStr t -> Right t
    _ -> expected "string" (msgpackKind v)
  zeroValue = Just T.empty
  pbSingle = scalarSingle 2 (pbLengthed . BL.fromStrict . TE.encodeUtf8)
  pbReadSingle _ raw = bytesOf raw >>= either (const (Left (invalid "invalid UTF-8 in string"))) Right . TE.decodeUtf8'

instance WireKey Text where
  keyToJson = jsonString
  keyFromJson = Right
  keysMayMerge _ = False

instance Wire BS.ByteString where
  writeJson b = B.char7 '"' <> B.byteString (encodeBase64 b) <> B.char7 '"'
  writeMsgpack = mpBin
  readJson v = case v of
    JString t -> maybe (Left (invalid "bytes: not valid base64")) Right (decodeBase64 (TE.encodeUtf8 t))
    _ -> expected "bytes (base64)" (jsonKind v)
  readMsgpack v = case v of
    MBin b -> Right b
    _ -> expected "bytes" (msgpackKind v)
  zeroValue = Just BS.empty
  pbSingle = scalarSingle 2 (pbLengthed . BL.fromStrict)
  pbReadSingle _ = bytesOf

-- ---- containers -------------------------------------------------------------------------------

instance Wire a => Wire [a] where
  writeJson xs = B.char7 '[' <> commaSep (map writeJson xs) <> B.char7 ']'
  writeMsgpack xs = mpArrayHeader (length xs) <> foldMap writeMsgpack xs
  readJson v = case v of
    JArray xs -> traverse readJson xs
    _ -> expected "a list" (jsonKind v)
  readMsgpack v = case v of
    MArray xs -> traverse readMsgpack xs
    _ -> expected "a list" (msgpackKind v)
  zeroValue = Just []
  -- Scalars in one packed field (none for an empty list), anything else one field per element.
  pbField n xs = case (pbPacked, xs) of
    (_, []) -> mempty
    (Just (_, write), _) -> pbMessage n (foldMap write xs)
    (Nothing, _) -> foldMap (pbSingle n) xs
  -- Packed or not, occurrence by occurrence.
  pbReadField d raws = case raws of
    [] -> Right Nothing
    _ -> Just . concat <$> traverse one raws
    where
      one raw = case (pbPacked :: Maybe (Word64, a -> B.Builder), raw) of
        (Just (wt, _), RBytes b) -> pbScanPacked wt b >>= traverse (pbReadSingle d)
        _ -> (: []) <$> pbReadSingle d raw

-- Entries are written in key order, which is the wire's order for every key type (integers and
-- enums by value, strings by code point, which is their UTF-8 byte order).
instance (WireKey k, Wire v) => Wire (Map.Map k v) where
  writeJson m = B.char7 '{' <> commaSep [keyToJson k <> B.char7 ':' <> writeJson v | (k, v) <- Map.toAscList m] <> B.char7 '}'
  writeMsgpack m = mpMapHeader (Map.size m) <> foldMap (\(k, v) -> writeMsgpack k <> writeMsgpack v) (Map.toAscList m)
  readJson v = case v of
    JObject entries -> do
      pairs <- traverse (\(k, x) -> (,) <$> keyFromJson k <*> readJson x) entries
      let m = Map.fromList pairs
      if keysMayMerge (Proxy :: Proxy k) && Map.size m /= length pairs
        then Left (invalid "a JSON map holds the same key twice (two spellings of one key)")
        else Right m
    _ -> expected "a map" (jsonKind v)
  readMsgpack v = case v of
    MMap entries -> Map.fromList <$> traverse (\(k, x) -> (,) <$> readMsgpack k <*> readMsgpack x) entries
    _ -> expected "a map" (msgpackKind v)
  zeroValue = Just Map.empty
  -- One entry message per entry, key (1) and value (2) both written.
  pbField n m = foldMap (\(k, v) -> pbMessage n (pbSingle 1 k <> pbSingle 2 v)) (Map.toAscList m)
  pbReadField d raws = case raws of
    [] -> Right Nothing
    _ -> Just <$> foldl (\acc raw -> acc >>= entry raw) (Right Map.empty) raws
    where
      entry raw m = do
        (d', scan) <- pbEnter d raw
        fs <- either (Left . snd) Right scan
        k <- single d' (pbOccurrences 1 fs)
        v <- single d' (pbOccurrences 2 fs)
        if Map.member k m then Left (invalid "duplicate map key") else Right (Map.insert k v m)
      -- An entry's key and value are one occurrence each (a list, map or optional value in its
      -- wrapper), zero when absent.
      single :: Wire x => PbDepth -> [PbRaw] -> Decoded x
      single d' raws' = case raws' of
        [] -> maybe (Left pbMissing) Right zeroValue
        [raw] -> pbReadSingle d' raw
        _ -> Left pbDuplicate

-- | An optional outside a struct: @null@ / nil when absent.
instance Wire a => Wire (Maybe a) where
  writeJson = maybe "null" writeJson
  writeMsgpack = maybe mpNil writeMsgpack
  readJson v = case v of
    JNull -> Right Nothing
    _ -> Just <$> readJson v
  readMsgpack v = case v of
    MNil -> Right Nothing
    _ -> Just <$> readMsgpack v
  zeroValue = Just Nothing
  -- Absent: nothing written; inside a list, map or union: the wrapper message (pbSingle's default).
  pbField n = maybe mempty (pbSingle n)
  pbReadField d raws = case raws of
    [] -> Right Nothing
    [raw] -> Just . Just <$> pbReadSingle d raw
    _ -> Left pbDuplicate

commaSep :: [B.Builder] -> B.Builder
commaSep [] = mempty
commaSep (x : xs) = x <> foldMap (B.char7 ',' <>) xs
