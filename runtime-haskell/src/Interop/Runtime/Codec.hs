{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Payloads in each codec (docs/wire.md §3): 'encodeValue' writes a value's canonical bytes,
-- 'decodeValue' parses and checks them (depth, counts, duplicate keys, UTF-8) and reads the value.
module Interop.Runtime.Codec
  ( Codec (..)
  , codecNumber, codecFromNumber, codecName, codecFromName
  , allCodecs
  , writeIn
  , encodeValue
  , decodeValue
  , buildStrict
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Builder.Extra as BE
import qualified Data.ByteString.Lazy as BL
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word8)
import Interop.Runtime.Codec.Flatbuffers (Fb (..), decodeFb, encodeFb)
import Interop.Runtime.Codec.Json (parseJson)
import Interop.Runtime.Codec.Msgpack (parseMsgpack)
import Interop.Runtime.Codec.Wire
import Interop.Runtime.Error

-- | The payload codecs of docs/wire.md §1.2 this runtime speaks. A codec is a constructor here
-- and a line in each function below ('allCodecs' is what the handshake may offer, config names
-- are 'codecName'); the payloads themselves are 'Wire' methods.
data Codec = CodecJson | CodecMsgpack | CodecProtobuf | CodecFlatbuffers
  deriving (Eq, Ord, Show, Enum, Bounded)

allCodecs :: [Codec]
allCodecs = [minBound .. maxBound]

codecNumber :: Codec -> Word8
codecNumber c = case c of
  CodecJson -> 1
  CodecMsgpack -> 2
  CodecProtobuf -> 3
  CodecFlatbuffers -> 4

codecFromNumber :: Word8 -> Maybe Codec
codecFromNumber n = lookup n [(codecNumber c, c) | c <- allCodecs]

codecName :: Codec -> Text
codecName c = case c of
  CodecJson -> "json"
  CodecMsgpack -> "msgpack"
  CodecProtobuf -> "protobuf"
  CodecFlatbuffers -> "flatbuffers"

codecFromName :: Text -> Maybe Codec
codecFromName t = lookup t [(codecName c, c) | c <- allCodecs]

-- | A value's canonical bytes in a codec, as a builder (also used for a nested error detail).
writeIn :: Wire a => Codec -> a -> B.Builder
writeIn c = case c of
  CodecJson -> writeJson
  CodecMsgpack -> writeMsgpack
  CodecProtobuf -> pbBody
  CodecFlatbuffers -> encodeFb

encodeValue :: Wire a => Codec -> a -> BS.ByteString
encodeValue c v = buildStrict (writeIn c v)

-- | Decodes a whole payload with the given @max_depth@. In protobuf and flatbuffers its error
-- messages start with the type's name (test/vectors/protobuf.json, flatbuffers.json): a struct's
-- or union's readers write it themselves (@Point.x: …@); an enum's or an alias's (of a list, map
-- or scalar, 'Interop.Runtime.Codec.Named') is its 'fbName', put before the message here
-- (@Str: …@) and before the path by the flatbuffers reader (@Points[2].y: …@).
decodeValue :: forall a. Wire a => Int -> Codec -> BS.ByteString -> Either InteropError a
decodeValue maxDepth c bytes = case c of
  CodecJson -> parseJson maxDepth bytes >>= readJson
  CodecMsgpack -> parseMsgpack maxDepth bytes >>= readMsgpack
  CodecProtobuf -> case pbDecodeBody maxDepth bytes of
    Left (InteropError code m) | not (fbIsTable p), not (T.null (fbName p)) -> Left (InteropError code (fbName p <> ": " <> m))
    r -> r
  CodecFlatbuffers -> decodeFb maxDepth bytes
  where
    p = Proxy :: Proxy a

-- | A builder's bytes as one strict string (small payloads in one chunk, no copy of a big one
-- chunk by chunk).
buildStrict :: B.Builder -> BS.ByteString
buildStrict = BL.toStrict . BE.toLazyByteStringWith (BE.untrimmedStrategy 256 BE.smallChunkSize) BL.empty
