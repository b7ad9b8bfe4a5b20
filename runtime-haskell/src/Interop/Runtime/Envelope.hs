{-# LANGUAGE OverloadedStrings #-}
-- | The error envelope of docs/wire.md §4: @{1 code u32, 2 message string, 3 type?, 4 detail?}@
-- (in protobuf, @detail@ is the error's message bytes, field 4 of @interop.ErrorEnvelope@).
-- @detail@ is the declared error's value encoded as its own type, nested (not as bytes); a
-- decoded envelope keeps it as a parsed tree for the error type's reader.
module Interop.Runtime.Envelope
  ( Envelope (..)
  , Detail (..)
  , encodeEnvelope
  , decodeEnvelope
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.Text (Text)
import Data.Word (Word32)
import Interop.Runtime.Codec
import Interop.Runtime.Codec.Flatbuffers (decodeFbRoot, fbField, fbSlot)
import Interop.Runtime.Codec.Flatbuffers.Layout (Slot (..), alignedBytes, rootPayload, table)
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Msgpack
import Interop.Runtime.Codec.Protobuf
import Interop.Runtime.Codec.Wire (Wire (..))
import Interop.Runtime.Codec.Record
import Interop.Runtime.Codec.Scalars (jsonString)
import Interop.Runtime.Error

-- | A declared error's value as it came: the parsed tree of JSON or msgpack, or protobuf's
-- message bytes or the FlatBuffer, with the @max_depth@ to read them with.
data Detail = JsonDetail JValue | MsgpackDetail MValue | PbDetail !Int !BS.ByteString | FbDetail !Int !BS.ByteString
  deriving (Eq, Show)

data Envelope = Envelope
  { envCode :: !Word32
  , envMessage :: !Text
  , envType :: !(Maybe Text)
  , envDetail :: !(Maybe Detail)
  }
  deriving (Eq, Show)

-- | An envelope; with an application error, its qualified type name and the writer of its
-- value in the codec.
encodeEnvelope :: Codec -> ErrorCode -> Text -> Maybe (Text, Codec -> B.Builder) -> BS.ByteString
encodeEnvelope codec (ErrorCode code) message declared = buildStrict $ case codec of
  CodecJson ->
    jsonObject $
      ["\"code\":" <> B.word32Dec code, "\"message\":" <> jsonString message]
        <> maybe [] (\(t, detail) -> ["\"type\":" <> jsonString t, "\"detail\":" <> detail CodecJson]) declared
  CodecMsgpack ->
    msgpackObject $
      [mpWord 1 <> mpWord (fromIntegral code), mpWord 2 <> mpStr message]
        <> maybe [] (\(t, detail) -> [mpWord 3 <> mpStr t, mpWord 4 <> detail CodecMsgpack]) declared
  CodecProtobuf ->
    pbSingle 1 code <> pbSingle 2 message
      <> maybe mempty (\(t, detail) -> pbSingle 3 t <> pbMessage 4 (detail CodecProtobuf)) declared
  -- interop.ErrorEnvelope (§3.6): detail is the error's own FlatBuffer, kept 8-aligned.
  CodecFlatbuffers ->
    rootPayload $ table $
      [fbSlot code, fbSlot message]
        <> maybe [] (\(t, detail) -> [fbSlot t, Just (Ref (alignedBytes 8 (buildStrict (detail CodecFlatbuffers))))]) declared

-- | Unknown fields are skipped (the parser checked them); missing ones take zero values.
decodeEnvelope :: Int -> Codec -> BS.ByteString -> Either InteropError Envelope
decodeEnvelope depth codec bytes = case codec of
  CodecJson -> do
    tree <- parseJson depth bytes
    jsonStruct "error envelope" (\o -> Envelope
      <$> jsonRequired "envelope.code" "code" o
      <*> jsonRequired "envelope.message" "message" o
      <*> jsonOptionalField "envelope.type" "type" o
      <*> pure (JsonDetail <$> nonNull (lookup "detail" o))) tree
  CodecMsgpack -> do
    tree <- parseMsgpack depth bytes
    msgpackStruct "error envelope" (\o -> Envelope
      <$> msgpackRequired "envelope.code" 1 o
      <*> msgpackRequired "envelope.message" 2 o
      <*> msgpackOptionalField "envelope.type" 3 o
      <*> pure (MsgpackDetail <$> lookupNonNil o)) tree
  CodecProtobuf ->
    pbReadBody' (pbStruct "error envelope" [] (\d o -> Envelope
      <$> pbRequired "envelope.code" 1 d o
      <*> pbRequired "envelope.message" 2 d o
      <*> pbRequired "envelope.type" 3 d o
      <*> (fmap (PbDetail depth) <$> pbRequired "envelope.detail" 4 d o)))
  CodecFlatbuffers -> decodeFbRoot depth bytes (\t -> Envelope
    <$> fbField "code" t 0
    <*> fbField "message" t 1
    <*> fbField "type" t 2
    <*> (fmap (FbDetail depth) <$> fbField "detail" t 3))
  where
    pbReadBody' reader = reader (PbDepth 0 depth) (pbScan bytes)
    nonNull (Just JNull) = Nothing
    nonNull x = x
    lookupNonNil o = case [v | (MInt 4, v) <- o] of
      (MNil : _) -> Nothing
      (v : _) -> Just v
      [] -> Nothing

