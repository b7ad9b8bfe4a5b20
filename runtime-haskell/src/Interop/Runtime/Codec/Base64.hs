{-# LANGUAGE BangPatterns #-}
-- | Standard base64 (RFC 4648 §4) with padding, for @bytes@ in JSON (docs/wire.md §3.1). Decoding
-- requires the padding, as the canonical form has it, and accepts nothing but the alphabet.
module Interop.Runtime.Codec.Base64
  ( encodeBase64
  , decodeBase64
  ) where

import Data.Bits (shiftL, shiftR, (.&.), (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Internal as BI
import qualified Data.ByteString.Unsafe as BU
import Data.Word (Word8)
import Foreign.Ptr (Ptr, plusPtr)
import Foreign.Storable (poke)

alphabet :: BS.ByteString
alphabet = BS.pack (map (fromIntegral . fromEnum) (['A' .. 'Z'] ++ ['a' .. 'z'] ++ ['0' .. '9'] ++ "+/"))

encodeBase64 :: BS.ByteString -> BS.ByteString
encodeBase64 src = BI.unsafeCreate outLen (\p -> go p 0)
  where
    n = BS.length src
    outLen = ((n + 2) `div` 3) * 4
    byte i = fromIntegral (BU.unsafeIndex src i) :: Int
    sym :: Int -> Word8
    sym i = BU.unsafeIndex alphabet (i .&. 63)
    go :: Ptr Word8 -> Int -> IO ()
    go !p !i
      | i + 3 <= n = do
          let v = (byte i `shiftL` 16) .|. (byte (i + 1) `shiftL` 8) .|. byte (i + 2)
          put4 p (sym (v `shiftR` 18)) (sym (v `shiftR` 12)) (sym (v `shiftR` 6)) (sym v)
          go (p `plusPtr` 4) (i + 3)
      | i + 2 == n = do
          let v = (byte i `shiftL` 16) .|. (byte (i + 1) `shiftL` 8)
          put4 p (sym (v `shiftR` 18)) (sym (v `shiftR` 12)) (sym (v `shiftR` 6)) 61
      | i + 1 == n = do
          let v = byte i `shiftL` 16
          put4 p (sym (v `shiftR` 18)) (sym (v `shiftR` 12)) 61 61
      | otherwise = pure ()
    put4 :: Ptr Word8 -> Word8 -> Word8 -> Word8 -> Word8 -> IO ()
    put4 p a b c d = do
      poke p a
      poke (p `plusPtr` 1) b
      poke (p `plusPtr` 2) c
      poke (p `plusPtr` 3) d

-- | The bytes, or 'Nothing' when the text is not padded standard base64.
decodeBase64 :: BS.ByteString -> Maybe BS.ByteString
decodeBase64 src
  | n `mod` 4 /= 0 = Nothing
  | n == 0 = Just BS.empty
  | otherwise = do
      vals <- traverse value (BS.unpack body)
      Just (BS.pack (bytes vals))
  where
    n = BS.length src
    pad
      | BS.last src /= 61 = 0
      | BS.index src (n - 2) == 61 = 2
      | otherwise = 1 :: Int
    body = BS.take (n - pad) src
    value :: Word8 -> Maybe Int
    value c
      | c >= 65 && c <= 90 = Just (fromIntegral c - 65)
      | c >= 97 && c <= 122 = Just (fromIntegral c - 71)
      | c >= 48 && c <= 57 = Just (fromIntegral c + 4)
      | c == 43 = Just 62
      | c == 47 = Just 63
      | otherwise = Nothing
    bytes (a : b : c : d : rest) =
      let v = (a `shiftL` 18) .|. (b `shiftL` 12) .|. (c `shiftL` 6) .|. d
       in fromIntegral (v `shiftR` 16) : fromIntegral (v `shiftR` 8) : fromIntegral v : bytes rest
    bytes [a, b, c] = let v = (a `shiftL` 18) .|. (b `shiftL` 12) .|. (c `shiftL` 6) in [fromIntegral (v `shiftR` 16), fromIntegral (v `shiftR` 8)]
    bytes [a, b] = let v = (a `shiftL` 18) .|. (b `shiftL` 12) in [fromIntegral (v `shiftR` 16)]
    bytes _ = []
