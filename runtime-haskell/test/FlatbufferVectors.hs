{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Every vector of test/vectors/flatbuffers.json (made by runtime-ts, checked by flatc): each
-- canonical FlatBuffer decodes to the value of the payloads.json vector of the same name and
-- re-encodes byte for byte; each reject vector fails with its code and exactly its message.
module FlatbufferVectors (flatbufferVectorTests) where

import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.Codec
import Interop.Runtime.Declared
import Interop.Runtime.Error
import Interop.Vectors (vectorsCodecs)
import Test.Tasty
import Test.Tasty.HUnit
import TestJson

flatbufferVectorTests :: IO TestTree
flatbufferVectorTests = do
  doc <- readJsonFile =<< repoPath "test/vectors/flatbuffers.json"
  payloads <- readJsonFile =<< repoPath "test/vectors/payloads.json"
  let msgpackOf name = lookup name [(str (field "name" v), str (field "msgpack" v)) | v <- list (field "vectors" payloads)]
  pure $ testGroup "flatbuffers vectors"
    [ testGroup "canonical" (map (canonical msgpackOf) (list (field "vectors" doc)))
    , testGroup "reject" (map reject (list (field "reject" doc)))
    ]

codecOf :: Text -> SomeWire
codecOf qualified = case lookup (T.drop (T.length "interop.vectors.") qualified) vectorsCodecs of
  Just c -> c
  Nothing -> error ("no codec for " <> T.unpack qualified)

canonical msgpackOf v = testCase (T.unpack name) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> do
    let bytes = fromHex (str (field "flatbuffers" v))
    value :: a <- either (\e -> assertFailure ("decode failed: " <> show e) >> error "unreachable") pure (decodeValue 64 CodecFlatbuffers bytes)
    toHex (encodeValue CodecFlatbuffers value) @?= toHex bytes
    -- The same value as payloads.json's vector of that name.
    fmap (const (toHex (encodeValue CodecMsgpack value))) (msgpackOf name) @?= msgpackOf name
  where
    name = str (field "name" v)

reject v = testCase (T.unpack (str (field "name" v))) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> case decodeValue 64 CodecFlatbuffers (fromHex (str (field "input" v))) :: Either InteropError a of
    Right _ -> assertFailure "decoded, but must be rejected"
    Left e -> do
      errorCodeName (errorCode e) @?= str (field "code" v)
      errorMessage e @?= str (field "message" v)
