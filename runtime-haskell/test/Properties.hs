{-# LANGUAGE DeriveGeneric, ScopedTypeVariables, StandaloneDeriving, TypeApplications #-}
{-# OPTIONS_GHC -Wno-orphans #-}
-- | QuickCheck properties of the generated codecs: for random values of every type of the
-- conformance, vector, keyword, tree, geometry and scalar schemas, each codec's encoding decodes
-- to the same value and re-encodes to the same bytes, and a value read from JSON encodes to the
-- same msgpack as the original (both codecs describe one value), and so does one read from
-- protobuf. The protobuf decoder on random and mutated bytes. Also the float formatting:
-- shortest digits that read back exactly.
module Properties (propertyTests) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Char8 as BC
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Lazy.Char8 as BLC
import Data.Int (Int32, Int64)
import Data.List (isInfixOf)
import qualified Data.Map.Strict as Map
import qualified Data.Text as T
import Data.Proxy (Proxy (..))
import Data.Typeable (Typeable, typeRep)
import Arbitraries
import qualified Example.Geometry as Geo
import qualified Example.Keywords as Kw
import qualified Example.Scalars as Sc
import qualified Example.Tree as Tr
import Interop.Runtime.Codec
import Interop.Runtime.Codec.Float (f32Text, f64Text)
import Interop.Runtime.Codec.Wire (Wire)
import Interop.Runtime.Error (InteropError)
import qualified Interop.Conformance as C
import qualified Interop.Vectors as V
import GHC.Float (double2Float, float2Double)
import GHC.Generics (Generic)
import Test.QuickCheck
import Test.Tasty
import Test.Tasty.QuickCheck (testProperty)

propertyTests :: TestTree
propertyTests =
  testGroup "properties"
    [ testGroup "Eq, Ord and Show as GHC derives them"
        [ asDerived "record" mirrorPoint (Just (compare, compare))
        , asDerived "record of optionals, maps, records" mirrorOptionals (Just (compare, compare))
        , asDerived "parameters (positional, no Ord)" mirrorAdd Nothing ]
    , testGroup "codec round trips"
        [ roundTrip (Proxy @C.Everything), roundTrip (Proxy @C.Scalars), roundTrip (Proxy @C.Containers)
        , roundTrip (Proxy @C.Optionals), roundTrip (Proxy @C.Shape), roundTrip (Proxy @C.Level)
        , roundTrip (Proxy @C.Invalid), roundTrip (Proxy @(C.Params'echoMaybe)), roundTrip (Proxy @(C.Params'add))
        , roundTrip (Proxy @V.AllScalars), roundTrip (Proxy @V.Ordering), roundTrip (Proxy @V.Defaults)
        , roundTrip (Proxy @V.Optionals), roundTrip (Proxy @V.Tree), roundTrip (Proxy @V.Value)
        , roundTrip (Proxy @V.MapColor), roundTrip (Proxy @V.MapNested), roundTrip (Proxy @V.MaybeI32)
        , roundTrip (Proxy @V.Failure), roundTrip (Proxy @Kw.Keywords), roundTrip (Proxy @Kw.Class)
        , roundTrip (Proxy @Kw.This), roundTrip (Proxy @Kw.Default), roundTrip (Proxy @Tr.Node)
        , roundTrip (Proxy @Tr.LinkedList), roundTrip (Proxy @Geo.Scene), roundTrip (Proxy @Geo.Polygons)
        , roundTrip (Proxy @Sc.AllScalars), roundTrip (Proxy @Sc.AllOptional)
        ]
    , testGroup "protobuf hostile input"
        [ pbHostile (Proxy @C.Everything), pbHostile (Proxy @V.Value), pbHostile (Proxy @V.Tree)
        , pbHostile (Proxy @V.MapNested), pbHostile (Proxy @Geo.Scene), pbHostile (Proxy @V.Defaults) ]
    , testGroup "floats"
        [ testProperty "f64: shortest digits that read back as the same double" $
            forAll (oneof [arbitrary, bitsDouble, elements specialDoubles]) f64Shortest
        , testProperty "f32: shortest digits that read back, through f64, as the same float" $
            forAll (oneof [arbitrary, bitsFloat, elements specialFloats]) f32Shortest
        ]
    ]

-- | Generated records get hand-written Eq, Ord and Show (made of runtime calls, to compile fast);
-- they must behave as derived ones: the mirrors below are the same types with GHC's deriving.
asDerived :: forall a b. (Arbitrary a, Show a, Eq a, Show b, Eq b) => String -> (a -> b) -> Maybe (a -> a -> Ordering, b -> b -> Ordering) -> TestTree
asDerived name mirror ord = testProperty name $ withMaxSuccess 300 $ mapSize (min 10) $ \(x :: a) (y :: a) ->
  conjoin
    [ show x === show (mirror x)
    , showsPrec 11 x "" === showsPrec 11 (mirror x) ""
    , showList [x, y] "" === showList [mirror x, mirror y] ""
    , (x == y) === (mirror x == mirror y)
    , x === x
    , case ord of
        Just (cmp, cmp') -> (cmp x y, cmp y x, cmp x x) === (cmp' (mirror x) (mirror y), cmp' (mirror y) (mirror x), EQ)
        Nothing -> property True
    ]

data Point = Point {pointX :: !Int32, pointY :: !Int32}
  deriving (Eq, Ord, Show)

data Optionals = Optionals
  { optionalsNum :: !(Maybe Int32)
  , optionalsText :: !(Maybe T.Text)
  , optionalsPoint :: !(Maybe Point)
  , optionalsLevel :: !(Maybe C.Level)
  , optionalsMaybeList :: ![Maybe Int64]
  , optionalsMaybeMap :: !(Map.Map T.Text (Maybe Point))
  }
  deriving (Eq, Ord, Show)

data Params'add = Params'add !Int64 !Int64
  deriving (Eq, Show)

mirrorPoint :: C.Point -> Point
mirrorPoint (C.Point x y) = Point x y

mirrorOptionals :: C.Optionals -> Optionals
mirrorOptionals (C.Optionals a b c d e f) = Optionals a b (mirrorPoint <$> c) d e (fmap mirrorPoint <$> f)

mirrorAdd :: C.Params'add -> Params'add
mirrorAdd (C.Params'add a b) = Params'add a b

roundTrip :: forall a. (Wire a, Arbitrary a, Show a, Eq a, Typeable a) => Proxy a -> TestTree
roundTrip p = testProperty (show (typeRep p)) $ withMaxSuccess 200 $ mapSize (min 20) $ \(x :: a) ->
  let check codec = case decodeValue 64 codec (encodeValue codec x) :: Either InteropError a of
        Left e -> counterexample (show codec <> " decode failed: " <> show e) False
        Right y ->
          counterexample (show codec <> " differs: " <> firstDifference (encodeValue codec x) (encodeValue codec y)
                          <> "; values: " <> firstDifference (BC.pack (show x)) (BC.pack (show y))) $
            encodeValue codec y == encodeValue codec x .&&. (y == x || hasNaN)
      -- NaN is not equal to itself: a value holding one can only be compared by its encodings.
      hasNaN = "NaN" `isInfixOf` show x
      cross = case decodeValue 64 CodecJson (encodeValue CodecJson x) :: Either InteropError a of
        Left _ -> property False
        Right y -> counterexample "JSON → msgpack differs" (encodeValue CodecMsgpack y == encodeValue CodecMsgpack x)
      -- protobuf describes the same value: read back, it has the msgpack bytes of the original.
      pbCross = case decodeValue 64 CodecProtobuf (encodeValue CodecProtobuf x) :: Either InteropError a of
        Left _ -> property False
        Right y -> counterexample "protobuf → msgpack differs" (hasNaN || encodeValue CodecMsgpack y == encodeValue CodecMsgpack x)
   in check CodecJson .&&. check CodecMsgpack .&&. check CodecProtobuf .&&. cross .&&. pbCross

-- | The protobuf decoder on hostile bytes (the Haskell way to fuzz it): random bytes, and a valid
-- encoding with bytes changed, cut or added, give a value or a typed error, never an exception,
-- and a value they give re-encodes and decodes again.
pbHostile :: forall a. (Wire a, Arbitrary a, Show a, Typeable a) => Proxy a -> TestTree
pbHostile p = testProperty ("protobuf hostile bytes: " <> show (typeRep p)) $ withMaxSuccess 300 $ mapSize (min 15) $
  \(x :: a) (edits :: [(Int, Int)]) (junk :: [Int]) (cut :: Int) ->
    let valid = encodeValue CodecProtobuf x
        mutated = BS.take (BS.length valid - cut `mod` 4) (foldl edit valid edits) <> BS.pack (map fromIntegral junk)
        edit b (i, v) = if BS.null b then b else let k = i `mod` BS.length b in BS.take k b <> BS.singleton (fromIntegral v) <> BS.drop (k + 1) b
     in conjoin [ total bytes | bytes <- [mutated, BS.pack (map fromIntegral junk)] ]
  where
    total bytes = case decodeValue 16 CodecProtobuf bytes :: Either InteropError a of
      Left e -> property (length (show e) > 0)
      Right y -> case decodeValue 64 CodecProtobuf (encodeValue CodecProtobuf y) :: Either InteropError a of
        Left e -> counterexample ("re-decoding failed: " <> show e) False
        Right _ -> property True

-- | Where two encodings part, with some context (the whole values can be huge).
firstDifference :: BS.ByteString -> BS.ByteString -> String
firstDifference a b =
  let n = length (takeWhile id (BS.zipWith (==) a b))
      around s = show (BS.take 80 (BS.drop (max 0 (n - 40)) s))
   in "at byte " <> show n <> ": " <> around a <> " vs " <> around b

text :: B.Builder -> String
text = BLC.unpack . B.toLazyByteString

-- The text reads back exactly, and no decimal with one digit less does.
f64Shortest :: Double -> Property
f64Shortest x
  | isNaN x || isInfinite x = property True
  | otherwise =
      let t = text (f64Text x)
          back = read (fixExp t) :: Double
       in counterexample t $ (back == x || (x == 0 && back == 0)) .&&. shorterFails (\d -> (read d :: Double) == x) t

f32Shortest :: Float -> Property
f32Shortest x
  | isNaN x || isInfinite x = property True
  | otherwise =
      let t = text (f32Text x)
          back = double2Float (read (fixExp t))
       in counterexample t $ (back == x || (x == 0 && back == 0)) .&&. shorterFails (\d -> double2Float (read d) == x) t
           .&&. float2Double back == float2Double x

-- Haskell's read wants "1e21", not "1e+21"; and a leading digit before the point.
fixExp :: String -> String
fixExp = filter (/= '+') . (\s -> if take 2 s == "0." || take 3 s == "-0." then s else s)

-- | Every decimal with fewer significant digits near the value fails to read back as it.
shorterFails :: (String -> Bool) -> String -> Property
shorterFails readsBack t =
  let (sign, body) = if take 1 t == "-" then ("-", drop 1 t) else ("", t)
      (mant, ex) = break (== 'e') body
      digitsOnly = filter (/= '.') mant
      sig = dropWhile (== '0') digitsOnly
      pointPos = case break (== '.') mant of (a, _) -> length a
      e10 = (if null ex then 0 else read (filter (/= '+') (drop 1 ex))) + pointPos - (length digitsOnly - length sig)
      k = length (reverse (dropWhile (== '0') (reverse sig)))
      candidates = if k <= 1 then [] else
        let n = read (take (k - 1) sig) :: Integer
         in [sign <> show m <> "e" <> show (e10 - (k - 1)) | m <- [n, n + 1], m > 0]
   in counterexample ("a shorter decimal reads back: " <> show (filter readsBack candidates)) (not (any readsBack candidates))

-- Generated types do not derive Generic (docs/haskell.md, Compile times): derived here, as a user
-- who wants it would.
deriving instance Generic C.Everything
deriving instance Generic C.Scalars
deriving instance Generic C.Containers
deriving instance Generic C.Optionals
deriving instance Generic C.Shape
deriving instance Generic C.Level
deriving instance Generic C.Point
deriving instance Generic C.Invalid
deriving instance Generic C.Params'echoMaybe
deriving instance Generic C.Params'add
deriving instance Generic V.AllScalars
deriving instance Generic V.Color
deriving instance Generic V.Ordering
deriving instance Generic V.Defaults
deriving instance Generic V.Optionals
deriving instance Generic V.Point
deriving instance Generic V.Tree
deriving instance Generic V.Value
deriving instance Generic V.MapColor
deriving instance Generic V.MapNested
deriving instance Generic V.MaybeI32
deriving instance Generic V.Failure
deriving instance Generic Kw.Keywords
deriving instance Generic Kw.Class
deriving instance Generic Kw.This
deriving instance Generic Kw.Default
deriving instance Generic Tr.Node
deriving instance Generic Tr.Value
deriving instance Generic Tr.LinkedList
deriving instance Generic Geo.Scene
deriving instance Generic Geo.Shape
deriving instance Generic Geo.Point
deriving instance Generic Geo.Rect
deriving instance Generic Geo.Circle
deriving instance Generic Geo.Polygons
deriving instance Generic Geo.Polyline
deriving instance Generic Geo.Coord
deriving instance Generic Geo.X
deriving instance Generic Sc.AllScalars
deriving instance Generic Sc.AllOptional

instance Arbitrary C.Everything where arbitrary = genericArbitrary
instance Arbitrary C.Scalars where arbitrary = genericArbitrary
instance Arbitrary C.Containers where arbitrary = genericArbitrary
instance Arbitrary C.Optionals where arbitrary = genericArbitrary
instance Arbitrary C.Shape where arbitrary = genericArbitrary
instance Arbitrary C.Level where arbitrary = genericArbitrary
instance Arbitrary C.Point where arbitrary = genericArbitrary
instance Arbitrary C.Invalid where arbitrary = genericArbitrary
instance Arbitrary C.Params'echoMaybe where arbitrary = genericArbitrary
instance Arbitrary C.Params'add where arbitrary = genericArbitrary
instance Arbitrary V.AllScalars where arbitrary = genericArbitrary
instance Arbitrary V.Color where arbitrary = genericArbitrary
instance Arbitrary V.Ordering where arbitrary = genericArbitrary
instance Arbitrary V.Defaults where arbitrary = genericArbitrary
instance Arbitrary V.Optionals where arbitrary = genericArbitrary
instance Arbitrary V.Point where arbitrary = genericArbitrary
instance Arbitrary V.Tree where arbitrary = genericArbitrary
instance Arbitrary V.Value where arbitrary = genericArbitrary
instance Arbitrary V.MapColor where arbitrary = genericArbitrary
instance Arbitrary V.MapNested where arbitrary = genericArbitrary
instance Arbitrary V.MaybeI32 where arbitrary = genericArbitrary
instance Arbitrary V.Failure where arbitrary = genericArbitrary
instance Arbitrary Kw.Keywords where arbitrary = genericArbitrary
instance Arbitrary Kw.Class where arbitrary = genericArbitrary
instance Arbitrary Kw.This where arbitrary = genericArbitrary
instance Arbitrary Kw.Default where arbitrary = genericArbitrary
instance Arbitrary Tr.Node where arbitrary = genericArbitrary
instance Arbitrary Tr.Value where arbitrary = genericArbitrary
instance Arbitrary Tr.LinkedList where arbitrary = genericArbitrary
instance Arbitrary Geo.Scene where arbitrary = genericArbitrary
instance Arbitrary Geo.Shape where arbitrary = genericArbitrary
instance Arbitrary Geo.Point where arbitrary = genericArbitrary
instance Arbitrary Geo.Rect where arbitrary = genericArbitrary
instance Arbitrary Geo.Circle where arbitrary = genericArbitrary
instance Arbitrary Geo.Polygons where arbitrary = genericArbitrary
instance Arbitrary Geo.Polyline where arbitrary = genericArbitrary
instance Arbitrary Geo.Coord where arbitrary = genericArbitrary
instance Arbitrary Geo.X where arbitrary = genericArbitrary
instance Arbitrary Sc.AllScalars where arbitrary = genericArbitrary
instance Arbitrary Sc.AllOptional where arbitrary = genericArbitrary
