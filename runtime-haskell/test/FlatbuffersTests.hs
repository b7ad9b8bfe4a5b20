{-# LANGUAGE AllowAmbiguousTypes, ExistentialQuantification, OverloadedStrings, ScopedTypeVariables, TypeApplications #-}
-- | The flatbuffers codec (docs/wire.md §3.6): the worked examples of §3.6 byte for byte, layouts
-- other writers may use (shared vtables, fields out of order) decoded, each decoding rule's
-- error code, the error envelope, calls and hostile payloads over a socket, and QuickCheck properties: every value of the test schemas
-- round-trips byte for byte, and random or mangled bytes never crash the decoder.
module FlatbuffersTests (flatbuffersTests) where

import Control.Exception (SomeException, evaluate, try)
import qualified Data.ByteString as BS
import Data.List (isInfixOf)
import qualified Data.Map.Strict as Map
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Data.Typeable (Typeable, typeRep)
import Data.Word (Word8)
import Properties ()  -- the Arbitrary instances of the generated types
import qualified Example.Geometry as Geo
import qualified Example.Scalars as Sc
import qualified Example.Tree as Tr
import Control.Monad (forM_)
import Interop.Runtime (nodeInvoker)
import Interop.Runtime.Codec
import Interop.Runtime.Frame
import Interop.Runtime.Module (ModuleDesc (..))
import Live (withClient, withServer)
import RawPeer
import Interop.Runtime.Codec.Wire (Wire)
import Interop.Runtime.Envelope
import Interop.Runtime.Error
import qualified Interop.Conformance as C
import qualified Interop.Vectors as V
import Test.QuickCheck
import Test.Tasty
import Test.Tasty.HUnit
import Test.Tasty.QuickCheck (testProperty)
import TestJson (fromHex, toHex)

flatbuffersTests :: TestTree
flatbuffersTests = testGroup "flatbuffers"
  [ testGroup "docs/wire.md §3.6 examples"
      [ testCase "Point {x 1, y -2}" $
          toHex (encodeValue CodecFlatbuffers (V.Point 1 (-2))) @?= pointHex
      , testCase "a table with no field" $
          toHex (encodeValue CodecFlatbuffers V.Params'ping) @?= "080000000400040004000000"
      , testCase "an empty payload is the table with no field" $
          decodeValue 64 CodecFlatbuffers BS.empty @?= Right (V.Point 0 0)
      , testCase "an 8-byte field aligns its table to 8" $
          -- The wrapper table at 16 (8-aligned), its 6-byte vtable at 10, the i64 at 24.
          toHex (encodeValue CodecFlatbuffers (V.I64 7)) @?= "10000000" <> "000000000000" <> "060010000800" <> "06000000" <> "00000000" <> "0700000000000000"
      ]
  , testGroup "any valid layout decodes"
      [ testCase "y before x, the vtable after the table" $
          -- The table at 4 (soffset -12: its vtable at 16), y at 8, x at 12.
          decodeValue 64 CodecFlatbuffers (BS.concat [le32 4, le32 (-12), le32 (-2), le32 1, le16s [8, 12, 8, 4]])
            @?= Right (V.Point 1 (-2))
      , testCase "a slot past those it knows (a newer sender)" $
          decodeValue 64 CodecFlatbuffers (BS.concat [le32 16, le16s [0, 10, 16, 4, 8, 12], le32 10, le32 1, le32 2, le32 9])
            @?= Right (V.Point 1 2)
      , testCase "one vtable shared by two tables" $
          -- Line {from, to}: both Points refer to the vtable of the first.
          let bytes = BS.concat [le32 12, le16s [8, 12, 4, 8], le32 8, le32 16, le32 24, le16s [8, 12, 4, 8], le32 8, le32 1, le32 2, le32 20, le32 3, le32 4]
           in decodeValue 64 CodecFlatbuffers bytes @?= Right (V.Line (V.Point 1 2) (V.Point 3 4))
      ]
  , testGroup "decoding rules"
      [ rejects @V.Point "a payload of 1 to 3 bytes" (BS.take 3 point) "INVALID_ARGUMENT"
      , rejects @V.Point "the root offset outside the payload" (patch 0 [0xff] point) "INVALID_ARGUMENT"
      , rejects @V.Point "the vtable outside the payload" (patch 12 [0x00, 0x01] point) "INVALID_ARGUMENT"
      , rejects @V.Point "an odd vtable size" (patch 4 [5] point) "INVALID_ARGUMENT"
      , rejects @V.Point "a vtable size below 4" (patch 4 [2] point) "INVALID_ARGUMENT"
      , rejects @V.Point "a field past table_bytes" (patch 6 [8] point) "INVALID_ARGUMENT"
      , rejects @V.Point "a table that ends past the payload" (BS.take 22 point) "INVALID_ARGUMENT"
      , rejects @V.Str "a string without its 0 byte" (patch 27 [1] abc) "INVALID_ARGUMENT"
      , rejects @V.Str "a string of 2 GiB" (patch 20 [0, 0, 0, 0x80] abc) "RESOURCE_EXHAUSTED"
      , rejects @V.Str "a string not UTF-8" (patch 24 [0xff] abc) "INVALID_ARGUMENT"
      , rejects @V.Bool "a bool other than 0 and 1" (patch 16 [2] (encodeValue CodecFlatbuffers (V.Bool True))) "INVALID_ARGUMENT"
      , rejects @V.Ints "a vector of 2 GiB" (patch 20 [0, 0, 0, 0x80] (encodeValue CodecFlatbuffers (V.Ints [1]))) "RESOURCE_EXHAUSTED"
      , rejects @C.Shape "a union with no case" (encodeValue CodecFlatbuffers V.Params'ping) "INVALID_ARGUMENT"
      , rejects @C.Shape "an unknown union case" (unknownCase (encodeValue CodecFlatbuffers (C.ShapeCircle 1))) "INVALID_ARGUMENT"
      , rejects @V.MapStr "a map key given twice" dupKeys "INVALID_ARGUMENT"
      , testCase "nesting past max_depth" $ case decodeValue 3 CodecFlatbuffers (encodeValue CodecFlatbuffers deepTree) :: Either InteropError V.Tree of
          Left e -> errorCodeName (errorCode e) @?= "RESOURCE_EXHAUSTED"
          Right _ -> assertFailure "decoded past max_depth"
      , rejects @V.Points "shared offsets that read more than the payload holds" sharedPoints "RESOURCE_EXHAUSTED"
      ]
  , testGroup "error envelope"
      [ testCase "round trip with a declared error's FlatBuffer, 8-aligned" $ do
          let detail = encodeValue CodecFlatbuffers (V.I64 5)
              bytes = encodeEnvelope CodecFlatbuffers CodeApplicationError "no" (Just ("interop.vectors.Failure", \_ -> writeIn CodecFlatbuffers (V.I64 5)))
          case decodeEnvelope 64 CodecFlatbuffers bytes of
            Right (Envelope 101 "no" (Just "interop.vectors.Failure") (Just (FbDetail _ d))) -> do
              d @?= detail
              -- The nested buffer starts 8-aligned in the payload.
              (fst (BS.breakSubstring detail bytes) `seq` BS.length (fst (BS.breakSubstring detail bytes)) `mod` 8) @?= 0
            other -> assertFailure (show other)
      ]
  , testGroup "over a unix socket"
      [ testCase "calls through the generated client in flatbuffers, a declared error as its own type" $
          withServer [] $ \address _ _ -> withClient address "flatbuffers" $ \node -> do
            let c = C.conformanceClient (nodeInvoker node)
            C.echoString c "héllo \0 😀" >>= (@?= "héllo \0 😀")
            C.add c 40 2 >>= (@?= 42)
            C.echoBytes c (BS.pack [0 .. 255]) >>= (@?= BS.pack [0 .. 255])
            r <- try (C.fail c "not_found")
            r @?= Left (C.NotFound "missing")
      , testCase "hostile flatbuffers: a typed ERROR in flatbuffers for each, the connection goes on" $
          withServer [] $ \address _ _ -> do
            p <- rawDial address
            _ <- rawHello p [("interop.conformance", mdFingerprint C.conformanceModule)] Nothing
            let valid = encodeValue CodecFlatbuffers (C.Params'echoI32 (-3))
                abcParams = encodeValue CodecFlatbuffers (C.Params'echoString "abc")
                hostile =
                  [ ("echo_i32", BS.take 3 valid, CodeInvalidArgument)
                  , ("echo_i32", patch 0 [0xff] valid, CodeInvalidArgument)
                  , ("echo_i32", patch 6 [5] valid, CodeInvalidArgument) -- its vtable (at 6) 5 bytes long
                  , ("echo_string", patch 27 [1] abcParams, CodeInvalidArgument) -- no 0 byte
                  , ("echo_string", patch 20 [0, 0, 0, 0x80] abcParams, CodeResourceExhausted) ] -- 2 GiB
            forM_ (zip [1 ..] hostile) $ \(cid, (fn, payload, code)) -> do
              rawSendFrame p (frame Request) {frameCodec = 4, frameCorrelation = cid, frameTarget = "interop.conformance." <> fn, framePayload = payload}
              r <- rawNext p 3000
              case r of
                Got f -> do
                  (frameKind f, frameCorrelation f, frameCodec f) @?= (ErrorFrame, cid, 4)
                  fmap (ErrorCode . envCode) (decodeEnvelope 64 CodecFlatbuffers (framePayload f)) @?= Right code
                other -> assertFailure ("expected an ERROR for " <> show cid <> ", got " <> show other)
            -- The answer in flatbuffers: the result's wrapper table.
            rawSendFrame p (frame Request) {frameCodec = 4, frameCorrelation = 99, frameTarget = "interop.conformance.echo_i32", framePayload = valid}
            r <- rawNext p 3000
            case r of
              Got f -> (frameKind f, frameCodec f, framePayload f) @?= (Response, 4, encodeValue CodecFlatbuffers (V.I32 (-3)))
              other -> assertFailure ("expected the RESPONSE, got " <> show other)
            rawClose p
      ]
  , testGroup "round trips" (map roundTrip
      [ some (Proxy @C.Everything), some (Proxy @C.Scalars), some (Proxy @C.Containers), some (Proxy @C.Optionals)
      , some (Proxy @C.Shape), some (Proxy @C.Level), some (Proxy @C.Invalid), some (Proxy @(C.Params'echoMaybe))
      , some (Proxy @V.AllScalars), some (Proxy @V.Defaults), some (Proxy @V.Optionals), some (Proxy @V.Tree)
      , some (Proxy @V.Value), some (Proxy @V.MapColor), some (Proxy @V.MapNested), some (Proxy @V.MaybeI32)
      , some (Proxy @V.Failure), some (Proxy @Tr.Node), some (Proxy @Geo.Scene), some (Proxy @Geo.Polygons)
      , some (Proxy @Sc.AllScalars), some (Proxy @Sc.AllOptional) ])
  , testGroup "hostile bytes never crash the decoder"
      [ noCrash (some (Proxy @C.Everything)), noCrash (some (Proxy @V.Tree)), noCrash (some (Proxy @V.MapNested)), noCrash (some (Proxy @Geo.Scene)) ]
  ]

-- | §3.6's example: root offset 12, the vtable at 4 (8 bytes; table 12 bytes; x at 4, y at 8),
-- at 12 the soffset 8, x, y.
pointHex :: T.Text
pointHex = "0c00000008000c000400080008000000" <> "01000000feffffff"

point :: BS.ByteString
point = fromHex pointHex

-- | Str "abc": the wrapper table at 12 (vtable at 6), its uoffset at 16, the string at 20.
abc :: BS.ByteString
abc = encodeValue CodecFlatbuffers (V.Str "abc")

rejects :: forall a. (Wire a, Show a) => String -> BS.ByteString -> T.Text -> TestTree
rejects name bytes code = testCase name $ case decodeValue 64 CodecFlatbuffers bytes :: Either InteropError a of
  Left e -> errorCodeName (errorCode e) @?= code
  Right v -> assertFailure ("decoded " <> show v)

-- | @bytes@ with those at @at@ replaced.
patch :: Int -> [Word8] -> BS.ByteString -> BS.ByteString
patch at new bytes = BS.take at bytes <> BS.pack new <> BS.drop (at + length new) bytes

-- | A union payload whose case id (the union table's one-byte slot 0) is 99.
unknownCase :: BS.ByteString -> BS.ByteString
unknownCase bytes = let t = fromIntegral (BS.index bytes 0) in patch (t + 4) [99] bytes

-- | A map whose two entries have the key "a".
dupKeys :: BS.ByteString
dupKeys = let bytes = encodeValue CodecFlatbuffers (V.MapStr (Map.fromList [("a", 1), ("b", 2)]))
              (before, after) = BS.breakSubstring (BS.pack [1, 0, 0, 0, 0x62]) bytes
           in before <> BS.pack [1, 0, 0, 0, 0x61] <> BS.drop 5 after

deepTree :: V.Tree
deepTree = V.Tree "a" [V.Tree "b" [V.Tree "c" [V.Tree "d" []]]]

-- | Points: a vector of 1000 offsets that all point at one Point table.
sharedPoints :: BS.ByteString
sharedPoints = BS.concat
  [ le32 12, le16s [0, 6, 8, 4], le32 6, le32 4, le32 n
  , BS.concat [le32 (table - (24 + 4 * i)) | i <- [0 .. n - 1]]
  , le16s [8, 12, 4, 8], le32 8, le32 1, le32 2 ]
  where
    n = 1000
    table = 24 + 4 * n + 8

le32 :: Int -> BS.ByteString
le32 v = BS.pack [fromIntegral (v `div` (256 ^ i) `mod` 256) | i <- [0 .. 3 :: Int]]

le16s :: [Int] -> BS.ByteString
le16s = BS.concat . map (\v -> BS.pack [fromIntegral (v `mod` 256), fromIntegral (v `div` 256)])

data Some = forall a. (Wire a, Arbitrary a, Show a, Eq a, Typeable a) => Some (Proxy a)

some :: (Wire a, Arbitrary a, Show a, Eq a, Typeable a) => Proxy a -> Some
some = Some

roundTrip :: Some -> TestTree
roundTrip (Some (p :: Proxy a)) = testProperty (show (typeRep p)) $ withMaxSuccess 200 $ mapSize (min 20) $ \(x :: a) ->
  let bytes = encodeValue CodecFlatbuffers x
   in case decodeValue 64 CodecFlatbuffers bytes :: Either InteropError a of
        Left e -> counterexample ("decode failed: " <> show e <> " of " <> T.unpack (toHex bytes)) False
        Right y -> counterexample "re-encoded bytes differ" (encodeValue CodecFlatbuffers y == bytes)
          .&&. (y == x || "NaN" `isInfixOf` show x)

-- | Random bytes, and valid payloads with one byte changed or cut short: a typed error or a
-- value, never an exception or a hang.
noCrash :: Some -> TestTree
noCrash (Some (p :: Proxy a)) = testProperty (show (typeRep p)) $ withMaxSuccess 300 $ mapSize (min 10) $ \(x :: a) (i :: Int) (b :: Word8) (junk :: [Word8]) ->
  let valid = encodeValue CodecFlatbuffers x
      at = i `mod` max 1 (BS.length valid)
      inputs =
        [ BS.pack junk
        , BS.take at valid <> BS.singleton b <> BS.drop (at + 1) valid
        , BS.take at valid
        , BS.take 4 valid <> BS.pack junk ]
   in ioProperty $ do
        results <- mapM (\bytes -> try (evaluate (forceResult (decodeValue 64 CodecFlatbuffers bytes :: Either InteropError a)))) inputs
        pure $ conjoin [counterexample (show e) False | Left (e :: SomeException) <- results]
  where
    forceResult r = case r of
      Left e -> length (show e)
      Right v -> length (show v)
