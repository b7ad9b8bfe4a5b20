{-# LANGUAGE BangPatterns #-}
-- | Numbers as canonical JSON writes them (docs/wire.md §3.1): an f64 as ECMAScript's
-- @Number.prototype.toString@ prints it (the shortest digits that round-trip, the nearest such
-- decimal, then ECMAScript's layout), and an f32 with the shortest digits that round-trip
-- /through f64/: read as an f64, rounded to f32, the value comes back.
--
-- Both come from one exact search: the shortest decimal inside the interval of reals that read
-- back as the value, with each end open or closed as round-half-to-even decides. Steele & White's
-- and Burger & Dybvig's digit generation, on integers, with the interval's ends given explicitly.
module Interop.Runtime.Codec.Float
  ( f64Text
  , f32Text
  , shortestDigits
  ) where

import Data.Bits (shiftR, (.&.))
import qualified Data.ByteString.Builder as B
import Data.Ratio (denominator, numerator)
import GHC.Float (castDoubleToWord64, castFloatToWord32, castWord32ToFloat, castWord64ToDouble)

-- | An f64 as canonical JSON text (specials included: @"NaN"@, @-0@, …).
f64Text :: Double -> B.Builder
f64Text x
  | isNaN x = B.string7 "\"NaN\""
  | isInfinite x = B.string7 (if x > 0 then "\"Infinity\"" else "\"-Infinity\"")
  | x == 0 = B.string7 (if isNegativeZero x then "-0" else "0")
  | x < 0 = B.char7 '-' <> ecma (f64Digits (negate x))
  | otherwise = ecma (f64Digits x)

-- | An f32 as canonical JSON text.
f32Text :: Float -> B.Builder
f32Text x
  | isNaN x = B.string7 "\"NaN\""
  | isInfinite x = B.string7 (if x > 0 then "\"Infinity\"" else "\"-Infinity\"")
  | x == 0 = B.string7 (if isNegativeZero x then "-0" else "0")
  | x < 0 = B.char7 '-' <> ecma (f32Digits (negate x))
  | otherwise = ecma (f32Digits x)

-- The reals that round to a positive finite double: half a gap either side of it, each end
-- included when the significand is even (a tie goes to the even one). With x = m * 2^e, in units
-- of 2^(e-2) so that every quantity is a whole number: the value is 4m, half the gap above 2, half
-- the gap below 2 too except at a power of two (1: the double below is closer). Integers only:
-- this is the path of every f64 written to JSON, and rationals (a gcd per operation) cost far more.
f64Digits :: Double -> ([Int], Int)
f64Digits x =
  let (m0, e0) = decodeFloat x
      -- decodeFloat normalises a subnormal (m0 = 2^52): back to its own gap, 2^-1074.
      (m, e) = if e0 < -1074 then (m0 `shiftR` (-1074 - e0), -1074) else (m0, e0)
      lowestOfBinade = m == 4503599627370496 && e > -1074 -- 2^52: a normal power of two
      inRange = even m
      (scale, den) = if e >= 2 then (2 ^ (e - 2), 1) else (1, 2 ^ (2 - e))
   in scaledDigits x (4 * m * scale) ((if lowestOfBinade then 1 else 2) * scale) inRange (2 * scale) inRange den

-- For an f32 read through f64: first the doubles that round to x as an f32, then the reals that
-- round to one of those doubles.
f32Digits :: Float -> ([Int], Int)
f32Digits x =
  let w = castFloatToWord32 x
      v = toRational x
      below = if w == 0 then 0 else toRational (castWord32ToFloat (w - 1))
      above = if w + 1 == 0x7f800000 then v + (v - below) else toRational (castWord32ToFloat (w + 1))
      even32 = w .&. 1 == 0
      midLo = (below + v) / 2 -- both midpoints are exact doubles (25 significant bits)
      midHi = (v + above) / 2
      lo64 = if even32 then realToFrac' midLo else nextUp (realToFrac' midLo)
      hi64 = if even32 then realToFrac' midHi else nextDown (realToFrac' midHi)
      (lowReal, lowIn) = lowerHalf lo64
      (highReal, highIn) = upperHalf hi64
   in shortestDigits v lowReal lowIn highReal highIn
  where
    realToFrac' :: Rational -> Double
    realToFrac' = fromRational
    nextUp d = castWord64ToDouble (castDoubleToWord64 d + 1)
    nextDown d = castWord64ToDouble (castDoubleToWord64 d - 1)
    lowerHalf d =
      let wd = castDoubleToWord64 d
       in ((toRational (castWord64ToDouble (wd - 1)) + toRational d) / 2, wd .&. 1 == 0)
    upperHalf d =
      let wd = castDoubleToWord64 d
       in ((toRational d + toRational (castWord64ToDouble (wd + 1))) / 2, wd .&. 1 == 0)

-- | @shortestDigits v lo loIn hi hiIn@: the digits @d1 d2 … dk@ and exponent @n@ of the decimal
-- @0.d1…dk × 10^n@ with the fewest digits in the interval from @lo@ to @hi@ (each end included
-- when its flag says so), the nearest to @v@ among those (a tie goes to the even last digit).
-- Requires @0 < lo <= v <= hi@.
shortestDigits :: Rational -> Rational -> Bool -> Rational -> Bool -> ([Int], Int)
shortestDigits v lo loIn hi hiIn =
  let den = lcm (denominator v) (lcm (denominator lo) (denominator hi))
      scaled q = numerator q * (den `div` denominator q)
   in scaledDigits (fromRational v) (scaled v) (scaled v - scaled lo) loIn (scaled hi - scaled v) hiIn den

-- | 'shortestDigits' with every quantity over one denominator @den@: the value @r0@, its distances
-- to the interval's ends @mMinus0@ and @mPlus0@; @approx@ is the value as a double (for a first
-- guess of the exponent).
scaledDigits :: Double -> Integer -> Integer -> Bool -> Integer -> Bool -> Integer -> ([Int], Int)
scaledDigits approx r0 mMinus0 loIn mPlus0 hiIn den =
  let -- The smallest k with hi <= 10^k (hi < 10^k when hi is excluded).
      fits k = let (a, b) = pow10 k (r0 + mPlus0) den in if hiIn then a <= b else a < b
      estimate = ceiling (logBase 10 approx) :: Int
      k = fixK estimate
      fixK e
        | not (fits e) = fixK (e + 1)
        | fits (e - 1) = fixK (e - 1)
        | otherwise = e
      (r, s, mPlus, mMinus)
        | k >= 0 = (r0, den * 10 ^ k, mPlus0, mMinus0)
        | otherwise = let f = 10 ^ negate k in (r0 * f, den, mPlus0 * f, mMinus0 * f)
      (digits, carried) = generate r s mPlus mMinus [] 0
   in (digits, if carried then k + 1 else k)
  where
    -- Compares x/den with 10^k as two integers.
    pow10 k x d
      | k >= 0 = (x, d * 10 ^ k)
      | otherwise = (x * 10 ^ negate k, d)
    -- Digits so far are in @acc@, last first; @count@ of them. Rounding the last one up may
    -- carry out of the first (0.96 → 1.0): then the decimal has one more place before the point.
    generate :: Integer -> Integer -> Integer -> Integer -> [Int] -> Int -> ([Int], Bool)
    generate !r !s !mPlus !mMinus acc !count =
      let (d, r') = (r * 10) `quotRem` s
          mPlus' = mPlus * 10
          mMinus' = mMinus * 10
          low = if loIn then r' <= mMinus' else r' < mMinus'
          high = if hiIn then r' + mPlus' >= s else r' + mPlus' > s
          digit = fromInteger d
       in case (low, high) of
            (False, False) -> generate r' s mPlus' mMinus' (digit : acc) (count + 1)
            (True, False) -> finish (digit : acc)
            (False, True) -> finish (bump (digit : acc))
            (True, True) -> case compare (2 * r') s of
              LT -> finish (digit : acc)
              GT -> finish (bump (digit : acc))
              EQ -> finish (if even digit then digit : acc else bump (digit : acc))
         where
          finish ds = (trim (reverse ds), length ds > count + 1)
    trim ds = case reverse (dropWhile (== 0) (reverse ds)) of
      [] -> [0]
      t -> t
    -- Adds one to the last digit (the list is reversed), carrying.
    bump (9 : rest) = 0 : bump rest
    bump (d : rest) = d + 1 : rest
    bump [] = [1]

-- | ECMAScript's layout of the digits and point position (Number::toString, steps 6-10).
ecma :: ([Int], Int) -> B.Builder
ecma (ds, n) =
  let k = length ds
      digits = foldMap (B.char7 . toEnum . (+ 48)) :: [Int] -> B.Builder
   in if k <= n && n <= 21
        then digits ds <> B.string7 (replicate (n - k) '0')
        else
          if 0 < n && n <= 21
            then digits (take n ds) <> B.char7 '.' <> digits (drop n ds)
            else
              if -6 < n && n <= 0
                then B.string7 "0." <> B.string7 (replicate (negate n) '0') <> digits ds
                else
                  let e = n - 1
                      mant = case ds of
                        [d] -> digits [d]
                        (d : rest) -> digits [d] <> B.char7 '.' <> digits rest
                        [] -> B.char7 '0'
                   in mant <> B.char7 'e' <> B.char7 (if e >= 0 then '+' else '-') <> B.intDec (abs e)
