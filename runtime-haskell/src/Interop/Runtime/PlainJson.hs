{-# LANGUAGE OverloadedStrings #-}
-- | Plain JSON documents that are not schema-encoded (the handshake, the control channel's
-- manifest and health, node config): a small value type, its canonical writer (keys sorted by
-- code point, no whitespace, raw UTF-8: docs/ir.md "Canonical JSON") and lookups for reading.
module Interop.Runtime.PlainJson
  ( Doc (..)
  , writeDoc
  , docFromJson
  , parseDoc
  , member
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.List (sortOn)
import Data.Text (Text)
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Codec (buildStrict)
import Interop.Runtime.Codec.Json (JValue (..), parseJson)
import Interop.Runtime.Codec.Scalars (jsonString)
import Interop.Runtime.Error

data Doc
  = DNull
  | DBool !Bool
  | DInt !Integer
  | DNumber !BS.ByteString -- ^ a number's JSON text, kept as it was read
  | DStr !Text
  | DArr ![Doc]
  | DObj ![(Text, Doc)]
  deriving (Eq, Show)

-- | The canonical text of a document.
writeDoc :: Doc -> BS.ByteString
writeDoc = buildStrict . go
  where
    go d = case d of
      DNull -> "null"
      DBool b -> if b then "true" else "false"
      DInt n -> B.integerDec n
      DNumber t -> B.byteString t
      DStr s -> jsonString s
      DArr xs -> B.char7 '[' <> commas (map go xs) <> B.char7 ']'
      DObj kvs -> B.char7 '{' <> commas [jsonString k <> B.char7 ':' <> go v | (k, v) <- sortOn (TE.encodeUtf8 . fst) kvs] <> B.char7 '}'
    commas [] = mempty
    commas (x : xs) = x <> foldMap (B.char7 ',' <>) xs

docFromJson :: JValue -> Doc
docFromJson v = case v of
  JNull -> DNull
  JBool b -> DBool b
  JNumber t -> DNumber t
  JString s -> DStr s
  JArray xs -> DArr (map docFromJson xs)
  JObject kvs -> DObj [(k, docFromJson x) | (k, x) <- kvs]

-- | Parses a document (no depth limit of the wire: these are local or handshake documents,
-- whose size the frame limit already bounds; 512 levels keep a hostile one cheap).
parseDoc :: BS.ByteString -> Either InteropError Doc
parseDoc b = docFromJson <$> parseJson 512 b

member :: Text -> Doc -> Maybe Doc
member k (DObj kvs) = lookup k kvs
member _ _ = Nothing
