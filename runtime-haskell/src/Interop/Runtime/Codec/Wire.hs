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
import GHC.Float (double2Float, float2Double)
import Interop.Runtime.Codec.Base64
import Interop.Runtime.Codec.Float
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Msgpack
import Interop.Runtime.Codec.Scalars
import Interop.Runtime.Error

-- | A decoder's result: the value, or the error the call fails with.
type Decoded a = Either InteropError a

class Wire a where
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

instance Wire Int16 where
  writeJson = B.int16Dec
  writeMsgpack = mpInt . fromIntegral
  readJson = intFromJson "i16"
  readMsgpack = intFromMsgpack "i16"
  zeroValue = Just 0

instance Wire Int32 where
  writeJson = B.int32Dec
  writeMsgpack = mpInt . fromIntegral
  readJson = intFromJson "i32"
  readMsgpack = intFromMsgpack "i32"
  zeroValue = Just 0

instance Wire Int64 where
  writeJson = quotedDec . B.int64Dec
  writeMsgpack = mpInt
  readJson = int64FromJson "i64"
  readMsgpack = intFromMsgpack "i64"
  zeroValue = Just 0

instance Wire Word8 where
  writeJson = B.word8Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u8"
  readMsgpack = intFromMsgpack "u8"
  zeroValue = Just 0

instance Wire Word16 where
  writeJson = B.word16Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u16"
  readMsgpack = intFromMsgpack "u16"
  zeroValue = Just 0

instance Wire Word32 where
  writeJson = B.word32Dec
  writeMsgpack = mpWord . fromIntegral
  readJson = intFromJson "u32"
  readMsgpack = intFromMsgpack "u32"
  zeroValue = Just 0

instance Wire Word64 where
  writeJson = quotedDec . B.word64Dec
  writeMsgpack = mpWord
  readJson = int64FromJson "u64"
  readMsgpack = intFromMsgpack "u64"
  zeroValue = Just 0

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

-- An f32 read from JSON is read as the nearest f64, then rounded to f32.
instance Wire Float where
  writeJson = f32Text
  writeMsgpack = mpF32
  readJson v = double2Float <$> doubleFromJson "f32" v
  readMsgpack v = case v of
    MF32 f -> Right f
    _ -> double2Float <$> doubleFromMsgpack "f32" v
  zeroValue = Just 0

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

commaSep :: [B.Builder] -> B.Builder
commaSep [] = mempty
commaSep (x : xs) = x <> foldMap (B.char7 ',' <>) xs
