{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | test/vectors/protobuf.json through the generated codecs of test/vectors/vectors.interop:
-- every golden value of payloads.json decodes from its protobuf bytes and encodes back to them
-- byte for byte (and agrees with its msgpack value), and every hostile input fails with its code
-- and message (docs/wire.md §3.5).
module ProtobufVectors (protobufVectorTests) where

import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.Codec
import Interop.Runtime.Declared
import Interop.Runtime.Error
import qualified Data.ByteString as BS
import Interop.Vectors (Tree, vectorsCodecs)
import Test.Tasty
import Test.Tasty.HUnit
import TestJson

maxDepth :: Int
maxDepth = 64

protobufVectorTests :: IO TestTree
protobufVectorTests = do
  doc <- readJsonFile =<< repoPath "test/vectors/protobuf.json"
  payloads <- readJsonFile =<< repoPath "test/vectors/payloads.json"
  let msgpackOf = [(str (field "name" v), str (field "msgpack" v)) | v <- list (field "vectors" payloads)]
  pure $ testGroup "protobuf vectors"
    [ testGroup "canonical" (map (canonical msgpackOf) (list (field "vectors" doc)))
    , testGroup "reject" (map reject (list (field "reject" doc)))
    , testCase "nesting past max_depth: RESOURCE_EXHAUSTED (each message one level)" $ do
        -- Tree {1 label, 2 children: list<Tree>}: a chain of children, 64 and 65 messages deep.
        let chain :: Int -> BS.ByteString
            chain 0 = BS.empty
            chain k = let inner = chain (k - 1) in BS.concat [BS.pack [0x12], varint (BS.length inner), inner]
            varint n = if n < 0x80 then BS.singleton (fromIntegral n) else BS.cons (fromIntegral (n `mod` 0x80) + 0x80) (varint (n `div` 0x80))
        either (Just . errorCodeName . errorCode) (const Nothing) (decodeValue maxDepth CodecProtobuf (chain 64) :: Either InteropError Tree) @?= Nothing
        either (Just . errorCodeName . errorCode) (const Nothing) (decodeValue maxDepth CodecProtobuf (chain 65) :: Either InteropError Tree) @?= Just "RESOURCE_EXHAUSTED"
    ]

codecOf :: Text -> SomeWire
codecOf name = case lookup (unqualified name) vectorsCodecs of
  Just c -> c
  Nothing -> error ("no codec for " <> T.unpack name)

unqualified :: Text -> Text
unqualified = snd . T.breakOnEnd "."

canonical msgpackOf v = testCase (T.unpack name) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> do
    let pb = fromHex (str (field "protobuf" v))
    value :: a <- either (\e -> assertFailure ("decode failed: " <> show e) >> error "unreachable") pure (decodeValue maxDepth CodecProtobuf pb)
    toHex (encodeValue CodecProtobuf value) @?= toHex pb
    -- The same value as the msgpack vector of payloads.json.
    case lookup name msgpackOf of
      Just mp -> toHex (encodeValue CodecMsgpack value) @?= mp
      Nothing -> pure ()
  where
    name = str (field "name" v)

-- Every message starts with the payload type's name, an alias's too ("Str: …").
reject v = testCase (T.unpack (str (field "name" v))) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) ->
    case decodeValue maxDepth CodecProtobuf (fromHex (str (field "input" v))) :: Either InteropError a of
      Right _ -> assertFailure "decoded, but must be rejected"
      Left e -> do
        errorCodeName (errorCode e) @?= str (field "code" v)
        errorMessage e @?= str (field "message" v)
