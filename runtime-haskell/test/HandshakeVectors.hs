{-# LANGUAGE OverloadedStrings #-}
-- | The handshake vectors (test/vectors/handshake.json, docs/wire.md §2): HELLO and WELCOME
-- payloads with compatibility tables decode and re-encode to the same text, malformed tables are
-- PROTOCOL_ERROR, and every verdict of §2.2 has its code and exact message.
module HandshakeVectors (handshakeVectorTests) where

import qualified Data.ByteString as BS
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Codec.Json (JValue (..))
import Interop.Runtime.Compat
import Interop.Runtime.Error
import Interop.Runtime.Handshake
import Interop.Runtime.PlainJson
import Test.Tasty
import Test.Tasty.HUnit
import TestJson

handshakeVectorTests :: IO TestTree
handshakeVectorTests = do
  doc <- readJsonFile =<< repoPath "test/vectors/handshake.json"
  let tables = field "tables" doc
      table v = case v of
        JString name -> docFromJson (field name tables)
        inline -> docFromJson inline
  pure $ testGroup "handshake vectors"
    [ testGroup "payloads" [payload p | p <- list (field "payloads" doc)]
    , testGroup "reject" [reject r | r <- list (field "reject" doc)]
    , testGroup "verdicts" [verdictCase table v | v <- list (field "verdicts" doc)]
    ]

bytesOf :: JValue -> BS.ByteString
bytesOf = TE.encodeUtf8 . str

payload :: JValue -> TestTree
payload v = testCase (T.unpack (str (field "name" v))) $ do
  let bytes = bytesOf (field "json" v)
  case str (field "kind" v) of
    "HELLO" -> either (assertFailure . show) (\h -> encodeHello h @?= bytes) (decodeHello bytes)
    _ -> either (assertFailure . show) (\w -> encodeWelcome w @?= bytes) (decodeWelcome bytes)

reject :: JValue -> TestTree
reject v = testCase (T.unpack (str (field "name" v))) $ do
  let bytes = bytesOf (field "json" v)
      outcome = case str (field "kind" v) of
        "HELLO" -> either Left (const (Right ())) (decodeHello bytes)
        _ -> either Left (const (Right ())) (decodeWelcome bytes)
  case outcome of
    Left e -> errorCodeName (errorCode e) @?= str (field "code" v)
    Right () -> assertFailure "decoded, but must be refused"

verdictCase :: (JValue -> Doc) -> JValue -> TestTree
verdictCase table v = testCase (T.unpack (str (field "name" v))) $ do
  let kind = if str (field "kind" v) == "function" then FunctionMember else EventMember
      got = verdict kind (str (field "module" v)) (str (field "member" v)) (table (field "ours" v)) (table (field "theirs" v))
      want = case field "code" v of
        JNull -> Nothing
        code -> Just (str code, str (field "message" v))
  fmap (\e -> (errorCodeName (errorCode e), errorMessage e)) got @?= want
