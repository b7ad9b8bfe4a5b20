{-# LANGUAGE BangPatterns, OverloadedStrings #-}
-- | The protobuf codec's primitives (docs/wire.md §3.5, ADR 0028), called by the 'Wire' instances.
-- Writing: keys, minimal varints, zigzag, fixed little-endian floats (NaN made quiet, sign clear),
-- length-delimited nested messages. Reading: 'pbScan' splits one message into its fields with
-- every bound checked (keys, varints, lengths against the bytes left); the typed readers then
-- check wire types and ranges. The errors and their messages are runtime-ts's and runtime-python's.
module Interop.Runtime.Codec.Protobuf
  ( -- * Writing
    pbVarint, pbKey, pbZigzag, pbEnumVarint, pbF32Bits, pbF64Bits, pbLengthed, pbMessage
    -- * Reading
  , PbRaw (..), PbFields, PbScan, PbDepth (..)
  , pbScan, pbScanPacked, pbEnter, pbOccurrences
  , pbWant, pbVarintOf, pbUnzigzag, pbEnumOf, pbDuplicate, pbMissing
  ) where

import Data.Bits (complement, shiftL, shiftR, xor, (.&.), (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Lazy as BL
import qualified Data.ByteString.Unsafe as BU
import Data.Int (Int32, Int64)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32, Word64)
import GHC.Float (castDoubleToWord64, castFloatToWord32)
import Interop.Runtime.Error

-- ---- writing ----------------------------------------------------------------------------------

pbVarint :: Word64 -> B.Builder
pbVarint v
  | v < 0x80 = B.word8 (fromIntegral v)
  | otherwise = B.word8 (fromIntegral (v .&. 0x7f) .|. 0x80) <> pbVarint (v `shiftR` 7)

-- | A field's key: the varint of @(number << 3) | wire type@.
pbKey :: Word32 -> Word64 -> B.Builder
pbKey n wt = pbVarint ((fromIntegral n `shiftL` 3) .|. wt)

-- | sint32 / sint64: small negatives stay short.
pbZigzag :: Int64 -> Word64
pbZigzag v = fromIntegral ((v `shiftL` 1) `xor` (v `shiftR` 63))

-- | An enum is an int32; a negative one is sign-extended to ten bytes.
pbEnumVarint :: Int32 -> B.Builder
pbEnumVarint v = pbVarint (fromIntegral (fromIntegral v :: Int64))

pbF32Bits :: Float -> B.Builder
pbF32Bits f = B.word32LE (if isNaN f then 0x7fc00000 else castFloatToWord32 f)

pbF64Bits :: Double -> B.Builder
pbF64Bits d = B.word64LE (if isNaN d then 0x7ff8000000000000 else castDoubleToWord64 d)

-- | Bytes with their length first (strings, bytes, packed lists, messages).
pbLengthed :: BL.ByteString -> B.Builder
pbLengthed body = pbVarint (fromIntegral (BL.length body)) <> B.lazyByteString body

-- | Field @n@ holding a nested message (or a packed list), written to learn its length.
pbMessage :: Word32 -> B.Builder -> B.Builder
pbMessage n body = pbKey n 2 <> pbLengthed (B.toLazyByteString body)

-- ---- reading ----------------------------------------------------------------------------------

-- | One field occurrence as scanned: its wire type and bytes, not yet read as a type.
data PbRaw = RVarint !Word64 | RFixed64 !Word64 | RBytes !BS.ByteString | RFixed32 !Word32

-- | A message's fields in their order.
type PbFields = [(Word32, PbRaw)]

-- | A scanned message, or the error that stopped the scan and the field it was in (0: a key).
type PbScan = Either (Word32, InteropError) PbFields

-- | How deep the message being read is, and @max_depth@ (each nested message counts one level).
data PbDepth = PbDepth !Int !Int

wireName :: Word64 -> Text
wireName wt = case wt of
  0 -> "varint"
  1 -> "fixed64"
  2 -> "length-delimited"
  3 -> "group start"
  4 -> "group end"
  5 -> "fixed32"
  _ -> "wire type " <> T.pack (show wt)

rawWire :: PbRaw -> Word64
rawWire r = case r of
  RVarint _ -> 0
  RFixed64 _ -> 1
  RBytes _ -> 2
  RFixed32 _ -> 5

-- | A varint at @pos@: its value and the position after it.
varintAt :: BS.ByteString -> Int -> Either InteropError (Word64, Int)
varintAt bs = go 0 0
  where
    go :: Int -> Word64 -> Int -> Either InteropError (Word64, Int)
    go !i !acc !pos
      | pos >= BS.length bs = Left (invalid "truncated varint")
      | i == 9 && c > 1 = Left (invalid "varint longer than 64 bits")
      | c < 0x80 = Right (acc', pos + 1)
      | otherwise = go (i + 1) acc' (pos + 1)
      where
        c = BU.unsafeIndex bs pos
        acc' = acc .|. (fromIntegral (c .&. 0x7f) `shiftL` (7 * i))

need :: BS.ByteString -> Int -> Int -> Either InteropError ()
need bs pos n
  | n > left = Left (invalid ("truncated: needs " <> showT n <> " more bytes, " <> showT left <> " left"))
  | otherwise = Right ()
  where
    left = BS.length bs - pos

showT :: Show a => a -> Text
showT = T.pack . show

-- | Splits a message into its fields; unknown fields are kept (the typed reader skips them).
pbScan :: BS.ByteString -> PbScan
pbScan bs = go 0 []
  where
    go pos acc
      | pos >= BS.length bs = Right (reverse acc)
      | otherwise = do
          (key, p1) <- tag 0 (varintAt bs pos)
          let n = fromIntegral (key `shiftR` 3) :: Word32
              wt = key .&. 7
          if key `shiftR` 32 /= 0 then Left (0, invalid "field number out of range")
          else if n == 0 then Left (0, invalid "field number 0")
          else if wt `elem` [3, 4] || wt > 5 then Left (0, invalid (wireName wt <> " (field " <> showT n <> ") is not supported"))
          else do
            (raw, p2) <- tag n (rawAt bs wt p1)
            go p2 ((n, raw) : acc)
    tag n = either (\e -> Left (n, e)) Right

rawAt :: BS.ByteString -> Word64 -> Int -> Either InteropError (PbRaw, Int)
rawAt bs wt pos = case wt of
  0 -> (\(v, p) -> (RVarint v, p)) <$> varintAt bs pos
  1 -> need bs pos 8 >> Right (RFixed64 (le 8), pos + 8)
  5 -> need bs pos 4 >> Right (RFixed32 (fromIntegral (le 4)), pos + 4)
  _ -> do
    (len, p) <- varintAt bs pos
    let left = BS.length bs - p
    if len > fromIntegral left
      then Left (exhausted ("length of " <> (if len `shiftR` 32 /= 0 then "more than 2^32" else showT len) <> " but only " <> showT left <> " bytes left"))
      else Right (RBytes (BS.take (fromIntegral len) (BS.drop p bs)), p + fromIntegral len)
  where
    le :: Int -> Word64
    le k = foldr (\i acc -> (acc `shiftL` 8) .|. fromIntegral (BU.unsafeIndex bs (pos + i))) 0 [0 .. k - 1]

-- | A packed list's body: its scalars, each as the wire type @wt@ gives (0, 1 or 5).
pbScanPacked :: Word64 -> BS.ByteString -> Either InteropError [PbRaw]
pbScanPacked wt bs = go 0 []
  where
    go pos acc
      | pos >= BS.length bs = Right (reverse acc)
      | otherwise = rawAt bs wt pos >>= \(r, p) -> go p (r : acc)

-- | One level deeper, into the nested message a length-delimited field holds.
pbEnter :: PbDepth -> PbRaw -> Either InteropError (PbDepth, PbScan)
pbEnter (PbDepth level maxDepth) raw = case raw of
  RBytes b
    | level + 1 > maxDepth -> Left (exhausted ("value nested deeper than " <> showT maxDepth <> " levels"))
    | otherwise -> Right (PbDepth (level + 1) maxDepth, pbScan b)
  _ -> pbWant 2 raw >> Left (invalid "unreachable")

-- | Every occurrence of field @n@, in order.
pbOccurrences :: Word32 -> PbFields -> [PbRaw]
pbOccurrences n fs = [r | (m, r) <- fs, m == n]

-- | The error for a field of another wire type than the schema's.
pbWant :: Word64 -> PbRaw -> Either InteropError ()
pbWant wt raw
  | rawWire raw == wt = Right ()
  | otherwise = Left (invalid ("wire type " <> wireName (rawWire raw) <> " where the schema wants " <> wireName wt))

pbVarintOf :: PbRaw -> Either InteropError Word64
pbVarintOf raw = case raw of
  RVarint v -> Right v
  _ -> pbWant 0 raw >> Left (invalid "unreachable")

pbUnzigzag :: Word64 -> Int64
pbUnzigzag u = fromIntegral (u `shiftR` 1) `xor` negate (fromIntegral (u .&. 1))

-- | An int32 enum value: a negative one came sign-extended to 64 bits.
pbEnumOf :: PbRaw -> Either InteropError Int32
pbEnumOf raw = do
  v <- pbVarintOf raw
  if v < 0x80000000 then Right (fromIntegral v)
  else if v >= complement 0x7fffffff then Right (fromIntegral v)
  else Left (invalid "expected an enum value (int32), got a value out of range")

pbDuplicate, pbMissing :: InteropError
pbDuplicate = invalid "duplicate field"
pbMissing = invalid "missing required field"
