{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Every golden payload vector of test/vectors/payloads.json through the generated codecs of
-- test/vectors/vectors.interop: canonical vectors decode and re-encode byte for byte in both
-- codecs (and JSON → value → msgpack agrees), decode-only inputs decode to the canonical bytes,
-- rejected inputs fail with their code.
module PayloadVectors (payloadVectorTests) where

import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Codec
import Interop.Runtime.Declared
import Interop.Runtime.Error
import Interop.Vectors (vectorsCodecs)
import Test.Tasty
import Test.Tasty.HUnit
import TestJson

maxDepth :: Int
maxDepth = 64

payloadVectorTests :: IO TestTree
payloadVectorTests = do
  doc <- readJsonFile =<< repoPath "test/vectors/payloads.json"
  pure $ testGroup "payload vectors"
    [ testGroup "canonical" (map canonical (list (field "vectors" doc)))
    , testGroup "decode only" (map decodeOnly (list (field "decode_only" doc)))
    , testGroup "reject" (map reject (list (field "reject" doc)))
    ]

codecOf :: Text -> SomeWire
codecOf qualified = case lookup (T.drop (T.length "interop.vectors.") qualified) vectorsCodecs of
  Just c -> c
  Nothing -> error ("no codec for " <> T.unpack qualified)

canonical v = testCase (T.unpack (str (field "name" v))) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> do
    let json = TE.encodeUtf8 (str (field "json" v))
        mp = fromHex (str (field "msgpack" v))
    fromJson :: a <- decoded (decodeValue maxDepth CodecJson json)
    fromMp :: a <- decoded (decodeValue maxDepth CodecMsgpack mp)
    encodeValue CodecJson fromJson @?= json
    toHex (encodeValue CodecMsgpack fromMp) @?= toHex mp
    toHex (encodeValue CodecMsgpack fromJson) @?= toHex mp
    encodeValue CodecJson fromMp @?= json

rawInput v codec = case fieldMaybe "input_hex" v of
  Just h -> fromHex (str h)
  Nothing -> if codec == CodecMsgpack then fromHex (str (field "input" v)) else TE.encodeUtf8 (str (field "input" v))

codecField v = case str (field "codec" v) of
  "json" -> CodecJson
  _ -> CodecMsgpack

decodeOnly v = testCase (T.unpack (str (field "name" v))) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> do
    let codec = codecField v
    value :: a <- decoded (decodeValue maxDepth codec (rawInput v codec))
    let out = encodeValue codec value
        want = str (field "canonical" v)
    (if codec == CodecMsgpack then toHex out else TE.decodeUtf8 out) @?= want

reject v = testCase (T.unpack (str (field "name" v))) $ case codecOf (str (field "type" v)) of
  SomeWire (_ :: Proxy a) -> do
    let codec = codecField v
    case decodeValue maxDepth codec (rawInput v codec) :: Either InteropError a of
      Right _ -> assertFailure "decoded, but must be rejected"
      Left e -> errorCodeName (errorCode e) @?= str (field "code" v)

decoded :: Either InteropError a -> IO a
decoded = either (\e -> assertFailure ("decode failed: " <> show e) >> error "unreachable") pure

