{-# LANGUAGE DeriveGeneric, OverloadedStrings, StandaloneDeriving #-}
-- | The three shapes' values (bench/shapes/data.ts builds the same), and the peers' instances on
-- the generated records: aeson (JSON, what a Haskell program would use) and binary (Generic
-- deriving, the stock binary serialisation of GHC's libraries).
module Values
  ( ShapeName (..)
  , shapeNamed
  , small
  , nested
  , blob
  , AesonBlob (..)
  ) where

import Bench.Shapes
import Data.Aeson (FromJSON (..), Options (..), ToJSON (..), defaultOptions, genericParseJSON, genericToEncoding, genericToJSON)
import qualified Data.Aeson as A
import Data.Binary (Binary)
import qualified Data.ByteString as BS
import Data.Char (toLower)
import qualified Data.Map.Strict as Map
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word8)
import GHC.Generics (Generic)
import Interop.Runtime.Codec.Base64 (decodeBase64, encodeBase64)

data ShapeName = ShapeSmall | ShapeNested | ShapeBlob
  deriving (Eq, Show, Enum, Bounded)

shapeNamed :: T.Text -> Maybe ShapeName
shapeNamed s = lookup s [("small", ShapeSmall), ("nested", ShapeNested), ("blob", ShapeBlob)]

small :: Small
small = Small 12345 "sensor-12345" True 98.625 (-42)

nested :: Nested
nested =
  Nested 7 "order 7 for the benchmark" small
    [Item (fromIntegral i) ("item number " <> showT i) (fromIntegral i * 1.25 + 0.5) ["red", "green", "t" <> showT i] | i <- [0 .. 9 :: Int]]
    (Map.fromList [("attr" <> showT i, "value of attribute " <> showT i) | i <- [0 .. 9 :: Int]])
    (Map.fromList [("count" <> showT i, fromIntegral i * 1000) | i <- [0 .. 9 :: Int]])

-- | 1 MiB, byte i = (i * 31 + 7) mod 256.
blob :: Blob
blob = Blob 1 (BS.pack [fromIntegral ((i * 31 + 7) `mod` 256) :: Word8 | i <- [0 .. 1048575 :: Int]])

showT :: Show a => a -> T.Text
showT = T.pack . show

-- aeson, on the IDL's field names (the record fields without their prefix).
aesonOptions :: String -> Options
aesonOptions prefix = defaultOptions {fieldLabelModifier = lowerFirst . drop (length prefix)}
  where
    lowerFirst (c : cs) = toLower c : cs
    lowerFirst [] = []

-- Generated types do not derive Generic (docs/haskell.md): the peers' Generic instances derived here.
deriving instance Generic Small
deriving instance Generic Item
deriving instance Generic Nested
deriving instance Generic Blob

instance ToJSON Small where
  toJSON = genericToJSON (aesonOptions "small")
  toEncoding = genericToEncoding (aesonOptions "small")
instance FromJSON Small where parseJSON = genericParseJSON (aesonOptions "small")
instance ToJSON Item where
  toJSON = genericToJSON (aesonOptions "item")
  toEncoding = genericToEncoding (aesonOptions "item")
instance FromJSON Item where parseJSON = genericParseJSON (aesonOptions "item")
instance ToJSON Nested where
  toJSON = genericToJSON (aesonOptions "nested")
  toEncoding = genericToEncoding (aesonOptions "nested")
instance FromJSON Nested where parseJSON = genericParseJSON (aesonOptions "nested")

-- | aeson has no bytes type: the blob travels as base64 text, as in our JSON codec (the runtime's
-- base64, as base64-bytestring is not among Debian's libghc packages here).
newtype AesonBlob = AesonBlob Blob
instance ToJSON AesonBlob where
  toJSON (AesonBlob b) = A.object ["id" A..= blobId b, "data" A..= TE.decodeLatin1 (encodeBase64 (blobData b))]
instance FromJSON AesonBlob where
  parseJSON = A.withObject "Blob" $ \o -> do
    i <- o A..: "id"
    d <- o A..: "data"
    maybe (fail "data: not base64") (pure . AesonBlob . Blob i) (decodeBase64 (TE.encodeUtf8 d))

instance Binary Small
instance Binary Item
instance Binary Nested
instance Binary Blob
