{-# LANGUAGE BangPatterns, OverloadedStrings #-}
-- | Single scalars by the rules of docs/wire.md §3.1: JSON number text into integers (exact,
-- range-checked; @1.0@ and @1e3@ are integers too) and doubles (nearest), decimal text for
-- 64-bit integers and integer map keys, and strings escaped the one canonical way.
module Interop.Runtime.Codec.Scalars
  ( jsonInteger
  , decimalText
  , jsonDouble
  , jsonString
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Builder.Prim as P
import qualified Data.ByteString.Char8 as BC
import Data.Scientific (scientific, toRealFloat)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word8)
import Interop.Runtime.Error

-- | A JSON number's text taken apart: sign, coefficient digits, and the power of ten, or
-- 'Nothing' for an exponent too long to matter (past 9 digits: zero or out of every range).
data Decimal = Decimal !Bool !Integer !(Maybe Int)

decimal :: BS.ByteString -> Decimal
decimal text =
  let (neg, rest) = case BC.uncons text of
        Just ('-', r) -> (True, r)
        _ -> (False, text)
      (intPart, afterInt) = BC.span isD rest
      (fracPart, afterFrac) = case BC.uncons afterInt of
        Just ('.', r) -> BC.span isD r
        _ -> ("", afterInt)
      expo = case BC.uncons afterFrac of
        Just (c, r) | c == 'e' || c == 'E' -> case BC.uncons r of
          Just ('+', d) -> small d
          Just ('-', d) -> negate <$> small d
          _ -> small r
        _ -> Just 0
      small d = let d' = BC.dropWhile (== '0') d in if BS.length d' > 9 then Nothing else Just (fromInteger (readDigits d'))
   in Decimal neg (bigDigits (intPart <> fracPart)) (subtract (BS.length fracPart) <$> expo)
  where
    isD c = c >= '0' && c <= '9'

-- | The integer value of a JSON number's text when it is an integer within @[lo, hi]@.
jsonInteger :: Integer -> Integer -> Text -> BS.ByteString -> Either InteropError Integer
jsonInteger lo hi what text = case decimal text of
  Decimal _ 0 _ -> Right 0
  Decimal neg c (Just e) ->
    let (c', e') = stripZeros c e
        n = (if neg then negate else id) (c' * 10 ^ e')
     in if e' < 0
          then Left (invalid (what <> ": " <> short text <> " is not an integer"))
          else if e' > 20 || n < lo || n > hi then outOfRange else Right n
  Decimal _ _ Nothing
    | BC.elem '-' (BC.dropWhile (/= 'e') (BC.map toLowerAscii text)) -> Left (invalid (what <> ": " <> short text <> " is not an integer"))
    | otherwise -> outOfRange
  where
    outOfRange = Left (invalid (what <> ": " <> short text <> " is out of range"))
    stripZeros c e = if c `rem` 10 == 0 then stripZeros (c `quot` 10) (e + 1) else (c, e)
    toLowerAscii ch = if ch == 'E' then 'e' else ch

-- | A JSON number's text as the nearest double (@-0.0@ keeps its sign).
jsonDouble :: BS.ByteString -> Double
jsonDouble text = case decimal text of
  Decimal neg c e -> (if neg then negate else id) (magnitude c e)
  where
    magnitude 0 _ = 0
    magnitude c (Just e)
      -- Both exact in a double: one correctly rounded operation (Clinger's fast path).
      | c < 2 ^ (53 :: Int) && e >= 0 && e <= 22 = fromInteger c * 10 ^^ e
      | c < 2 ^ (53 :: Int) && e < 0 && e >= -22 = fromInteger c / 10 ^^ negate e
      | otherwise = toRealFloat (scientific c e)
    magnitude _ Nothing
      | BC.elem '-' (BC.dropWhile (\ch -> ch /= 'e' && ch /= 'E') text) = 0
      | otherwise = 1 / 0

-- | Decimal text as an integer map key or a JSON i64/u64: an optional @-@, then @0@ or digits
-- without a leading zero; @-0@ reads as 0. Anything else is INVALID_ARGUMENT, as is a value
-- outside @[lo, hi]@.
decimalText :: Integer -> Integer -> Text -> Text -> Either InteropError Integer
decimalText lo hi what t =
  let b = TE.encodeUtf8 t
      body = if BS.take 1 b == "-" then BS.drop 1 b else b
      ok = not (BS.null body) && BC.all (\c -> c >= '0' && c <= '9') body
        && (BS.length body == 1 || BC.head body /= '0') && BS.length b <= 21
      n = (if BS.length body /= BS.length b then negate else id) (readDigits body)
   in if not ok
        then Left (invalid (what <> ": " <> short b <> " is not a decimal integer"))
        else if n < lo || n > hi then Left (invalid (what <> ": " <> short b <> " is out of range")) else Right n

readDigits :: BS.ByteString -> Integer
readDigits = BS.foldl' (\acc c -> acc * 10 + fromIntegral (c - 48)) 0

-- Digits to an Integer, splitting long runs in halves, so that a hostile number a megabyte long
-- costs O(M(n) log n) rather than O(n²).
bigDigits :: BS.ByteString -> Integer
bigDigits b
  | BS.length b <= 18 = readDigits b
  | otherwise =
      let (hi, lo) = BS.splitAt (BS.length b `div` 2) b
       in bigDigits hi * 10 ^ BS.length lo + bigDigits lo

short :: BS.ByteString -> Text
short b = T.pack (show (BC.unpack (BS.take 40 b)))

-- | A JSON string, escaped the canonical way: only @\"@, @\\@ and U+0000–U+001F, with the short
-- escapes where they exist and @\\u00xx@ (lowercase hex) otherwise.
jsonString :: Text -> B.Builder
jsonString t = B.word8 34 <> TE.encodeUtf8BuilderEscaped escape t <> B.word8 34

escape :: P.BoundedPrim Word8
escape =
  P.condB (\w -> w >= 0x20 && w /= 34 && w /= 92) (P.liftFixedToBounded P.word8) $
    P.condB (== 34) (two 34) $
      P.condB (== 92) (two 92) $
        P.condB (== 8) (two 98) $
          P.condB (== 9) (two 116) $
            P.condB (== 10) (two 110) $
              P.condB (== 12) (two 102) $
                P.condB (== 13) (two 114) $
                  P.liftFixedToBounded (unicode P.>$< (P.word8 P.>*< P.word8 P.>*< P.word8 P.>*< P.word8 P.>*< P.word8 P.>*< P.word8))
  where
    two :: Word8 -> P.BoundedPrim Word8
    two b = P.liftFixedToBounded (const (92, b) P.>$< (P.word8 P.>*< P.word8))
    unicode w = (92, (117, (48, (48, (hex (w `div` 16), hex (w `mod` 16))))))
    hex d = if d < 10 then 48 + d else 87 + d
