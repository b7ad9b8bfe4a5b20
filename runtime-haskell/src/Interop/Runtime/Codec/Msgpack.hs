{-# LANGUAGE BangPatterns, OverloadedStrings #-}
-- | msgpack payloads (docs/wire.md §3.2): 'parseMsgpack' reads a payload into an 'MValue' tree,
-- checking what holds for any value whatever the schema says: nesting within @max_depth@, every
-- length or count backed by the bytes that remain (checked before anything is allocated), valid
-- UTF-8 in every str, no ext type nor @c1@, no array or map as a map key, no map holding a key
-- twice (keys compared by value across formats), one value filling the whole payload. The
-- writers produce the canonical (smallest) formats.
module Interop.Runtime.Codec.Msgpack
  ( MValue (..)
  , parseMsgpack
  , msgpackKind
    -- * Canonical writers
  , mpNil, mpBool, mpInt, mpWord, mpF32, mpF64, mpStr, mpBin, mpArrayHeader, mpMapHeader
  ) where

import Data.Bits (shiftL, (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Unsafe as BU
import Data.Int (Int64)
import qualified Data.Set as Set
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word64, Word8)
import GHC.Float (castWord32ToFloat, castWord64ToDouble, castFloatToWord32, castDoubleToWord64)
import Interop.Runtime.Error

-- | A parsed msgpack value. Integers that fit an 'Int64' are 'MInt'; only larger ones are 'MWord'.
data MValue
  = MNil
  | MBool !Bool
  | MInt !Int64
  | MWord !Word64
  | MF32 !Float
  | MF64 !Double
  | MStr !Text
  | MBin !BS.ByteString
  | MArray ![MValue]
  | MMap ![(MValue, MValue)]
  deriving (Eq, Show)

msgpackKind :: MValue -> Text
msgpackKind v = case v of
  MNil -> "nil"
  MBool _ -> "a boolean"
  MInt _ -> "an integer"
  MWord _ -> "an integer"
  MF32 _ -> "a float32"
  MF64 _ -> "a float64"
  MStr _ -> "a string"
  MBin _ -> "bin"
  MArray _ -> "an array"
  MMap _ -> "a map"

-- | Parses one msgpack payload with the given @max_depth@.
parseMsgpack :: Int -> BS.ByteString -> Either InteropError MValue
parseMsgpack maxDepth input
  | BS.null input = Left (invalid "a msgpack value is expected, the payload is empty")
  | otherwise = do
      (v, end) <- value 0 0
      if end /= len then Left (invalid ("bytes left after the msgpack value at offset " <> showT end)) else Right v
  where
    len = BS.length input
    at i = BU.unsafeIndex input i
    bad i what = Left (invalid (what <> " at offset " <> showT i))
    need i n what
      | n > len - i = Left (exhausted (what <> " at offset " <> showT i <> " claims more bytes than the payload holds"))
      | otherwise = Right ()
    slice i n = BU.unsafeTake n (BU.unsafeDrop i input)
    be :: Int -> Int -> Word64
    be i n = go 0 i
      where go !acc j = if j == i + n then acc else go ((acc `shiftL` 8) .|. fromIntegral (at j)) (j + 1)
    fixed i n what k = do
      if i + n > len then bad i ("truncated " <> what) else Right ()
      Right (k (be i n), i + n)

    value :: Int -> Int -> Either InteropError (MValue, Int)
    value depth i
      | i >= len = bad i "truncated msgpack value"
      | otherwise =
          let c = at i
           in if c <= 0x7f then Right (MInt (fromIntegral c), i + 1)
              else if c >= 0xe0 then Right (MInt (fromIntegral c - 256), i + 1)
              else if c >= 0x80 && c <= 0x8f then mapOf depth (fromIntegral c - 0x80) (i + 1)
              else if c >= 0x90 && c <= 0x9f then arrayOf depth (fromIntegral c - 0x90) (i + 1)
              else if c >= 0xa0 && c <= 0xbf then str (fromIntegral c - 0xa0) (i + 1)
              else case c of
                0xc0 -> Right (MNil, i + 1)
                0xc2 -> Right (MBool False, i + 1)
                0xc3 -> Right (MBool True, i + 1)
                0xc4 -> lengthThen 1 i bin
                0xc5 -> lengthThen 2 i bin
                0xc6 -> lengthThen 4 i bin
                0xca -> fixed (i + 1) 4 "float32" (MF32 . castWord32ToFloat . fromIntegral)
                0xcb -> fixed (i + 1) 8 "float64" (MF64 . castWord64ToDouble)
                0xcc -> fixed (i + 1) 1 "uint8" (MInt . fromIntegral)
                0xcd -> fixed (i + 1) 2 "uint16" (MInt . fromIntegral)
                0xce -> fixed (i + 1) 4 "uint32" (MInt . fromIntegral)
                0xcf -> fixed (i + 1) 8 "uint64" (\w -> if w > fromIntegral (maxBound :: Int64) then MWord w else MInt (fromIntegral w))
                0xd0 -> fixed (i + 1) 1 "int8" (\w -> MInt (fromIntegral (fromIntegral w :: Word8) `signed` 8))
                0xd1 -> fixed (i + 1) 2 "int16" (\w -> MInt (fromIntegral w `signed` 16))
                0xd2 -> fixed (i + 1) 4 "int32" (\w -> MInt (fromIntegral w `signed` 32))
                0xd3 -> fixed (i + 1) 8 "int64" (\w -> MInt (fromIntegral w))
                0xd9 -> lengthThen 1 i str
                0xda -> lengthThen 2 i str
                0xdb -> lengthThen 4 i str
                0xdc -> lengthThen 2 i (arrayOf depth)
                0xdd -> lengthThen 4 i (arrayOf depth)
                0xde -> lengthThen 2 i (mapOf depth)
                0xdf -> lengthThen 4 i (mapOf depth)
                0xc1 -> bad i "0xc1 is not a msgpack value"
                _ -> bad i "msgpack ext types are not valid payloads"

    signed :: Int64 -> Int -> Int64
    signed w bits = if w >= 1 `shiftL` (bits - 1) then w - (1 `shiftL` bits) else w

    lengthThen :: Int -> Int -> (Int -> Int -> Either InteropError (MValue, Int)) -> Either InteropError (MValue, Int)
    lengthThen n i k = do
      if i + 1 + n > len then bad i "truncated msgpack length" else Right ()
      k (fromIntegral (be (i + 1) n)) (i + 1 + n)

    str n i = do
      need i n "a str"
      case TE.decodeUtf8' (slice i n) of
        Right t -> Right (MStr t, i + n)
        Left _ -> bad i "a msgpack str is not valid UTF-8"

    bin n i = do
      need i n "a bin"
      Right (MBin (BS.copy (slice i n)), i + n)

    checkDepth depth i
      | depth > maxDepth = Left (exhausted ("msgpack nesting deeper than max_depth " <> showT maxDepth <> " at offset " <> showT i))
      | otherwise = Right ()

    arrayOf depth n i0 = do
      checkDepth (depth + 1) i0
      need i0 n "an array"
      let go !k !i acc
            | k == 0 = Right (MArray (reverse acc), i)
            | otherwise = do
                (v, j) <- value (depth + 1) i
                go (k - 1) j (v : acc)
      go n i0 []

    mapOf depth n i0 = do
      checkDepth (depth + 1) i0
      need i0 (2 * n) "a map"
      let go !k !i acc
            | k == 0 = do
                let entries = reverse acc
                if hasDuplicate (map fst entries) then bad i0 "a msgpack map holds the same key twice" else Right ()
                Right (MMap entries, i)
            | otherwise = do
                (key, j) <- value (depth + 1) i
                case key of
                  MArray _ -> bad i "a msgpack map key is an array"
                  MMap _ -> bad i "a msgpack map key is a map"
                  _ -> Right ()
                (v, j') <- value (depth + 1) j
                go (k - 1) j' ((key, v) : acc)
      go n i0 []

-- | Keys compare by value whatever their format (docs/wire.md §3.2): numbers by exact value
-- (false/true as 0/1, NaN as no key at all), strings and bins by their bytes, never each other.
data Key = KNum !Rational | KInf !Bool | KStr !Text | KBin !BS.ByteString | KNil
  deriving (Eq, Ord)

keyOf :: MValue -> Maybe Key
keyOf v = case v of
  MNil -> Just KNil
  MBool b -> Just (KNum (if b then 1 else 0))
  MInt i -> Just (KNum (fromIntegral i))
  MWord w -> Just (KNum (fromIntegral w))
  MF32 f -> floatKey (realToFrac f :: Double)
  MF64 d -> floatKey d
  MStr t -> Just (KStr t)
  MBin b -> Just (KBin b)
  _ -> Nothing
  where
    floatKey :: Double -> Maybe Key
    floatKey d
      | isNaN d = Nothing
      | isInfinite d = Just (KInf (d > 0))
      | otherwise = Just (KNum (toRational d))

hasDuplicate :: [MValue] -> Bool
hasDuplicate keys = case [k | Just k <- map keyOf keys] of
  ks | length ks <= 8 -> pairwise ks
     | otherwise -> Set.size (Set.fromList ks) /= length ks
  where
    pairwise (k : rest) = k `elem` rest || pairwise rest
    pairwise [] = False

-- ---- canonical writers ------------------------------------------------------------------------

mpNil :: B.Builder
mpNil = B.word8 0xc0

mpBool :: Bool -> B.Builder
mpBool b = B.word8 (if b then 0xc3 else 0xc2)

-- | A signed value in the smallest format (a non-negative one as an unsigned format).
mpInt :: Int64 -> B.Builder
mpInt n
  | n >= 0 = mpWord (fromIntegral n)
  | n >= -32 = B.int8 (fromIntegral n)
  | n >= -128 = B.word8 0xd0 <> B.int8 (fromIntegral n)
  | n >= -32768 = B.word8 0xd1 <> B.int16BE (fromIntegral n)
  | n >= -2147483648 = B.word8 0xd2 <> B.int32BE (fromIntegral n)
  | otherwise = B.word8 0xd3 <> B.int64BE n

mpWord :: Word64 -> B.Builder
mpWord n
  | n <= 0x7f = B.word8 (fromIntegral n)
  | n <= 0xff = B.word8 0xcc <> B.word8 (fromIntegral n)
  | n <= 0xffff = B.word8 0xcd <> B.word16BE (fromIntegral n)
  | n <= 0xffffffff = B.word8 0xce <> B.word32BE (fromIntegral n)
  | otherwise = B.word8 0xcf <> B.word64BE n

-- | float32, NaN as the one quiet NaN.
mpF32 :: Float -> B.Builder
mpF32 f = B.word8 0xca <> B.word32BE (if isNaN f then 0x7fc00000 else castFloatToWord32 f)

mpF64 :: Double -> B.Builder
mpF64 d = B.word8 0xcb <> B.word64BE (if isNaN d then 0x7ff8000000000000 else castDoubleToWord64 d)

mpStr :: Text -> B.Builder
mpStr t = let b = TE.encodeUtf8 t in strHeader (BS.length b) <> B.byteString b
  where
    strHeader n
      | n <= 31 = B.word8 (0xa0 .|. fromIntegral n)
      | n <= 0xff = B.word8 0xd9 <> B.word8 (fromIntegral n)
      | n <= 0xffff = B.word8 0xda <> B.word16BE (fromIntegral n)
      | otherwise = B.word8 0xdb <> B.word32BE (fromIntegral n)

mpBin :: BS.ByteString -> B.Builder
mpBin b = header (BS.length b) <> B.byteString b
  where
    header n
      | n <= 0xff = B.word8 0xc4 <> B.word8 (fromIntegral n)
      | n <= 0xffff = B.word8 0xc5 <> B.word16BE (fromIntegral n)
      | otherwise = B.word8 0xc6 <> B.word32BE (fromIntegral n)

mpArrayHeader :: Int -> B.Builder
mpArrayHeader n
  | n <= 15 = B.word8 (0x90 .|. fromIntegral n)
  | n <= 0xffff = B.word8 0xdc <> B.word16BE (fromIntegral n)
  | otherwise = B.word8 0xdd <> B.word32BE (fromIntegral n)

mpMapHeader :: Int -> B.Builder
mpMapHeader n
  | n <= 15 = B.word8 (0x80 .|. fromIntegral n)
  | n <= 0xffff = B.word8 0xde <> B.word16BE (fromIntegral n)
  | otherwise = B.word8 0xdf <> B.word32BE (fromIntegral n)

showT :: Show a => a -> Text
showT = T.pack . show
