{-# LANGUAGE OverloadedStrings #-}
-- No unfoldings in the interface: generated instances call these once per field, case or member
-- of every type. Inlined or specialised there (GHC does both across modules at -O1), each field's
-- lookup loop, reader and builder code was copied into every instance, and the module of a
-- schema of a few hundred declarations took minutes to compile (docs/haskell.md, Compile times).
-- Called instead, they cost the generated codecs little (bench codecs-hs).
{-# OPTIONS_GHC -fomit-interface-pragmas #-}
-- | The pieces generated codecs of structs, errors, function parameters, unions and enums are
-- made of (docs/wire.md §3): a struct is a JSON object keyed by field name or a msgpack map
-- keyed by field id, in ascending id order, an absent optional left out; a missing field takes
-- its default or zero value; unknown fields are skipped (the parser already checked them); a
-- union is an object or map with exactly one entry.
module Interop.Runtime.Codec.Record
  ( -- * Writing
    jsonObject, jsonField, jsonOptional
  , msgpackObject, msgpackField, msgpackOptional
  , jsonUnion, msgpackUnion, jsonNull
    -- * Reading
  , JsonFields, MsgpackFields
  , jsonStruct, msgpackStruct
  , jsonRequired, jsonDefault, jsonOptionalField
  , msgpackRequired, msgpackDefault, msgpackOptionalField
  , jsonCase, msgpackCase, jsonUnit, msgpackUnit, unknownCase
  , jsonEnum, enumFromMsgpack, enumKey, within
    -- * protobuf
  , pbUnit, pbStruct, pbRequired, pbDefault, pbUnion, pbUnitCase
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.Int (Int32)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32)
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Msgpack
import Interop.Runtime.Codec.Protobuf
import Interop.Runtime.Codec.Scalars (decimalText)
import Interop.Runtime.Codec.Wire
import Interop.Runtime.Error

-- ---- writing ----------------------------------------------------------------------------------

-- | An object from its entries, each already @"key":value@.
jsonObject :: [B.Builder] -> B.Builder
jsonObject [] = "{}"
jsonObject (x : xs) = B.char7 '{' <> x <> foldMap (B.char7 ',' <>) xs <> B.char7 '}'

-- | One entry; the key comes as the literal bytes @"name":@. (A 'BS.ByteString' literal, not a
-- 'B.Builder' one: GHC expands every Builder literal into a UTF-8 encoding loop where it stands.)
jsonField :: Wire a => BS.ByteString -> a -> [B.Builder]
jsonField key v = [B.byteString key <> writeJson v]

jsonOptional :: Wire a => BS.ByteString -> Maybe a -> [B.Builder]
jsonOptional key = maybe [] (jsonField key)

-- | A msgpack map from its entries, each an encoded key and value.
msgpackObject :: [B.Builder] -> B.Builder
msgpackObject entries = mpMapHeader (length entries) <> mconcat entries

msgpackField :: Wire a => Word32 -> a -> [B.Builder]
msgpackField fieldId v = [mpWord (fromIntegral fieldId) <> writeMsgpack v]

msgpackOptional :: Wire a => Word32 -> Maybe a -> [B.Builder]
msgpackOptional fieldId = maybe [] (msgpackField fieldId)

-- | A union's one entry: @{"case":value}@ (the key as its literal bytes).
jsonUnion :: BS.ByteString -> B.Builder -> B.Builder
jsonUnion key value = B.char7 '{' <> B.byteString key <> value <> B.char7 '}'

-- | The value of a union case without a type.
jsonNull :: B.Builder
jsonNull = B.string7 "null"

msgpackUnion :: Word32 -> B.Builder -> B.Builder
msgpackUnion caseId value = B.word8 0x81 <> mpWord (fromIntegral caseId) <> value

-- ---- reading structs --------------------------------------------------------------------------

type JsonFields = [(Text, JValue)]

type MsgpackFields = [(MValue, MValue)]

-- | Reads an object as the struct @what@ (a name for messages).
jsonStruct :: Text -> (JsonFields -> Decoded a) -> JValue -> Decoded a
jsonStruct what build v = case v of
  JObject fields -> build fields
  _ -> expected (what <> " (an object)") (jsonKind v)

msgpackStruct :: Text -> (MsgpackFields -> Decoded a) -> MValue -> Decoded a
msgpackStruct what build v = case v of
  MMap fields -> build fields
  _ -> expected (what <> " (a map)") (msgpackKind v)

-- | Prefixes a decoder's error message with where it happened (@Point.x@).
within :: Text -> Decoded a -> Decoded a
within what r = case r of
  Left (InteropError c m) -> Left (InteropError c (what <> ": " <> m))
  ok -> ok

-- | A field without a default: its zero value when missing (an error for a struct or union).
-- @null@ is only for optionals.
jsonRequired :: Wire a => Text -> Text -> JsonFields -> Decoded a
jsonRequired what key fields = within what $ case lookup key fields of
  Just v -> readJson v
  Nothing -> maybe (Left (invalid "required field is missing")) Right zeroValue

jsonDefault :: Wire a => Text -> Text -> a -> JsonFields -> Decoded a
jsonDefault what key def fields = within what $ maybe (Right def) readJson (lookup key fields)

-- | An optional field: absent or @null@ is 'Nothing'.
jsonOptionalField :: Wire a => Text -> Text -> JsonFields -> Decoded (Maybe a)
jsonOptionalField what key fields = within what $ case lookup key fields of
  Nothing -> Right Nothing
  Just JNull -> Right Nothing
  Just v -> Just <$> readJson v

lookupId :: Word32 -> MsgpackFields -> Maybe MValue
lookupId fieldId = go
  where
    target = fromIntegral fieldId
    go ((MInt k, v) : rest) = if k == target then Just v else go rest
    go (_ : rest) = go rest
    go [] = Nothing

msgpackRequired :: Wire a => Text -> Word32 -> MsgpackFields -> Decoded a
msgpackRequired what fieldId fields = within what $ case lookupId fieldId fields of
  Just v -> readMsgpack v
  Nothing -> maybe (Left (invalid "required field is missing")) Right zeroValue

msgpackDefault :: Wire a => Text -> Word32 -> a -> MsgpackFields -> Decoded a
msgpackDefault what fieldId def fields = within what $ maybe (Right def) readMsgpack (lookupId fieldId fields)

msgpackOptionalField :: Wire a => Text -> Word32 -> MsgpackFields -> Decoded (Maybe a)
msgpackOptionalField what fieldId fields = within what $ case lookupId fieldId fields of
  Nothing -> Right Nothing
  Just MNil -> Right Nothing
  Just v -> Just <$> readMsgpack v

-- ---- reading unions ---------------------------------------------------------------------------

-- | The one entry of a union: its case name and value.
jsonCase :: Text -> JValue -> Decoded (Text, JValue)
jsonCase what v = case v of
  JObject [entry] -> Right entry
  JObject entries -> Left (invalid (what <> ": a union needs exactly one case, got " <> count entries))
  _ -> expected (what <> " (a union object)") (jsonKind v)

-- | The one entry of a union: its case id and value. A key that is no case id gives 'Nothing'.
msgpackCase :: Text -> MValue -> Decoded (Maybe Word32, MValue)
msgpackCase what v = case v of
  MMap [(k, x)] -> Right (caseId k, x)
  MMap entries -> Left (invalid (what <> ": a union needs exactly one case, got " <> count entries))
  _ -> expected (what <> " (a union map)") (msgpackKind v)
  where
    caseId (MInt n) | n >= 0 && n <= 0xffffffff = Just (fromIntegral n)
    caseId _ = Nothing

count :: [a] -> Text
count = T.pack . show . length

-- | A unit case's value: @null@ / nil.
jsonUnit :: Text -> JValue -> Decoded ()
jsonUnit what v = case v of
  JNull -> Right ()
  _ -> expected (what <> " (null)") (jsonKind v)

msgpackUnit :: Text -> MValue -> Decoded ()
msgpackUnit what v = case v of
  MNil -> Right ()
  _ -> expected (what <> " (nil)") (msgpackKind v)

unknownCase :: Text -> Text -> Decoded a
unknownCase what name = Left (invalid (what <> ": unknown union case " <> T.take 40 name))

-- ---- enums ------------------------------------------------------------------------------------

-- | An enum in JSON: a member name (via @byName@), or a number for any value (an unknown one is
-- kept).
jsonEnum :: Text -> (Text -> Maybe a) -> (Int32 -> a) -> JValue -> Decoded a
jsonEnum what byName fromValue v = case v of
  JString name -> maybe (Left (invalid (what <> ": unknown member " <> T.take 40 name))) Right (byName name)
  JNumber _ -> fromValue <$> intFromJson what v
  _ -> expected (what <> " (a member name)") (jsonKind v)

enumFromMsgpack :: Text -> (Int32 -> a) -> MValue -> Decoded a
enumFromMsgpack what fromValue v = fromValue <$> intFromMsgpack what v

-- | An enum map key in JSON: a member name, or a decimal number in i32 range.
enumKey :: Text -> (Text -> Maybe a) -> (Int32 -> a) -> Text -> Decoded a
enumKey what byName fromValue key = case byName key of
  Just e -> Right e
  Nothing -> case decimalText (toInteger (minBound :: Int32)) (toInteger (maxBound :: Int32)) what key of
    Right n -> Right (fromValue (fromInteger n))
    Left _ -> Left (invalid (what <> ": " <> T.take 40 key <> " is neither a member name nor a number"))

-- ---- protobuf ---------------------------------------------------------------------------------

-- | A unit union case: an empty message.
pbUnit :: Word32 -> B.Builder
pbUnit n = pbKey n 2 <> B.word8 0

-- | Reads a scanned message as the struct @what@, whose field names by number (@names@) say
-- where a scan error happened (@Point.x: truncated varint@; @Point: field number 0@).
pbStruct :: Text -> [(Word32, Text)] -> (PbDepth -> PbFields -> Decoded a) -> PbDepth -> PbScan -> Decoded a
pbStruct what names build d scan = case scan of
  Left (n, e) -> within (maybe what (\f -> what <> "." <> f) (lookup n names)) (Left e)
  Right fs -> build d fs

-- | A field without a default: its zero value when missing (an error for a struct or union).
pbRequired :: Wire a => Text -> Word32 -> PbDepth -> PbFields -> Decoded a
pbRequired what n d fs = within what $
  pbReadField d (pbOccurrences n fs) >>= maybe (maybe (Left pbMissing) Right zeroValue) Right

pbDefault :: Wire a => Text -> Word32 -> a -> PbDepth -> PbFields -> Decoded a
pbDefault what n def d fs = within what $ maybe def id <$> pbReadField d (pbOccurrences n fs)

-- | A union: exactly one field, a case (@pick@ gives 'Nothing' for an unknown case id).
pbUnion :: Text -> (PbDepth -> Word32 -> PbRaw -> Maybe (Decoded a)) -> PbDepth -> PbScan -> Decoded a
pbUnion what pick d scan = case scan of
  Left (_, e) -> within what (Left e)
  Right [(n, raw)] -> maybe (Left (invalid (what <> ": unknown " <> what <> " case id " <> T.pack (show n)))) id (pick d n raw)
  Right _ -> Left (invalid (what <> ": expected exactly one " <> what <> " case"))

-- | A unit case's value: a message, whose fields (unknown to us) are skipped.
pbUnitCase :: PbDepth -> PbRaw -> Decoded ()
pbUnitCase d raw = pbEnter d raw >>= either (Left . snd) (const (Right ())) . snd
