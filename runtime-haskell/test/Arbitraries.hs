{-# LANGUAGE DefaultSignatures, FlexibleContexts, FlexibleInstances, ScopedTypeVariables, TypeOperators #-}
{-# OPTIONS_GHC -Wno-orphans #-}
-- | Random values of generated types, for the round-trip properties: a generic Arbitrary over
-- GHC.Generics (Properties derives Generic for the generated types), sizes halved at each level so recursive
-- types (trees, unions holding lists of themselves) stay finite, and floats that include the
-- values the wire treats specially (NaN, ±∞, -0, subnormals, extremes).
module Arbitraries (genericArbitrary, bitsDouble, bitsFloat, specialDoubles, specialFloats) where

import qualified Data.ByteString as BS
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import GHC.Float (castWord32ToFloat, castWord64ToDouble)
import GHC.Generics
import Test.QuickCheck

genericArbitrary :: (Generic a, GArbitrary (Rep a)) => Gen a
genericArbitrary = to <$> garbitrary

class GArbitrary f where
  garbitrary :: Gen (f p)
  -- | Constructors in this part of a sum, to choose among them evenly.
  constructors :: Proxy f -> Int
  constructors _ = 1

instance GArbitrary U1 where
  garbitrary = pure U1

instance Arbitrary c => GArbitrary (K1 i c) where
  garbitrary = K1 <$> scale (`div` 2) arbitrary

instance GArbitrary f => GArbitrary (M1 i t f) where
  garbitrary = M1 <$> garbitrary

instance (GArbitrary f, GArbitrary g) => GArbitrary (f :*: g) where
  garbitrary = (:*:) <$> garbitrary <*> garbitrary

instance (GArbitrary f, GArbitrary g) => GArbitrary (f :+: g) where
  garbitrary =
    frequency
      [ (constructors (Proxy :: Proxy f), L1 <$> garbitrary)
      , (constructors (Proxy :: Proxy g), R1 <$> garbitrary) ]
  constructors _ = constructors (Proxy :: Proxy f) + constructors (Proxy :: Proxy g)

instance Arbitrary T.Text where
  arbitrary = T.pack <$> listOf (frequency [(4, choose (' ', '~')), (1, arbitraryUnicodeChar), (1, choose ('\0', '\31'))])
  shrink = map T.pack . shrink . T.unpack

instance Arbitrary BS.ByteString where
  arbitrary = BS.pack <$> arbitrary
  shrink = map BS.pack . shrink . BS.unpack

-- | Floats from everywhere in the range, and the values the wire treats specially.
instance {-# OVERLAPPING #-} GArbitrary (K1 i Double) where
  garbitrary = K1 <$> frequency [(6, arbitrary), (2, bitsDouble), (1, elements specialDoubles)]

instance {-# OVERLAPPING #-} GArbitrary (K1 i Float) where
  garbitrary = K1 <$> frequency [(6, arbitrary), (2, bitsFloat), (1, elements specialFloats)]

specialDoubles :: [Double]
specialDoubles = [0 / 0, 1 / 0, -1 / 0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e-7, 0.1]

specialFloats :: [Float]
specialFloats = [0 / 0, 1 / 0, -1 / 0, -0.0, 1e-45, 1.17549435e-38, 3.4028235e38, 0.1, 16777217]

-- | Any bit pattern: every exponent is as likely as any other.
bitsDouble :: Gen Double
bitsDouble = castWord64ToDouble <$> arbitrary

bitsFloat :: Gen Float
bitsFloat = castWord32ToFloat <$> arbitrary
