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
import Foreign.ForeignPtr (withForeignPtr)
import Foreign.Ptr (Ptr, plusPtr)
import Foreign.Storable (poke)
import System.IO.Unsafe (unsafeDupablePerformIO)

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

-- | The bytes, or 'Nothing' when the text is not padded standard base64. Written straight into
-- the result (a 1 MiB @bytes@ field is 1.4 million symbols).
decodeBase64 :: BS.ByteString -> Maybe BS.ByteString
decodeBase64 src
  | n `mod` 4 /= 0 = Nothing
  | n == 0 = Just BS.empty
  | otherwise = unsafeDupablePerformIO $ do
      fp <- BI.mallocByteString outLen
      ok <- withForeignPtr fp (\p -> quads p 0)
      pure (if ok then Just (BI.fromForeignPtr fp 0 outLen) else Nothing)
  where
    n = BS.length src
    pad
      | BU.unsafeIndex src (n - 1) /= 61 = 0
      | BU.unsafeIndex src (n - 2) == 61 = 2
      | otherwise = 1 :: Int
    outLen = (n `div` 4) * 3 - pad
    sym i = value (BU.unsafeIndex src i)
    -- Every quad but the last, which may hold the padding.
    quads :: Ptr Word8 -> Int -> IO Bool
    quads !p !i
      | i < n - 4 = do
          let a = sym i; b = sym (i + 1); c = sym (i + 2); d = sym (i + 3)
          if (a .|. b .|. c .|. d) < 0
            then pure False
            else do
              let v = (a `shiftL` 18) .|. (b `shiftL` 12) .|. (c `shiftL` 6) .|. d
              poke p (fromIntegral (v `shiftR` 16) :: Word8)
              poke (p `plusPtr` 1) (fromIntegral (v `shiftR` 8) :: Word8)
              poke (p `plusPtr` 2) (fromIntegral v :: Word8)
              quads (p `plusPtr` 3) (i + 4)
      | otherwise = do
          let a = sym i; b = sym (i + 1)
              c = if pad == 2 then 0 else sym (i + 2)
              d = if pad >= 1 then 0 else sym (i + 3)
              v = (a `shiftL` 18) .|. (b `shiftL` 12) .|. (c `shiftL` 6) .|. d
          if (a .|. b .|. c .|. d) < 0
            then pure False
            else do
              poke p (fromIntegral (v `shiftR` 16) :: Word8)
              if pad < 2 then poke (p `plusPtr` 1) (fromIntegral (v `shiftR` 8) :: Word8) else pure ()
              if pad < 1 then poke (p `plusPtr` 2) (fromIntegral v :: Word8) else pure ()
              pure True
    -- A symbol's value, or -1 (so that or-ing four values is negative when one is not a symbol).
    value :: Word8 -> Int
    value c
      | c >= 65 && c <= 90 = fromIntegral c - 65
      | c >= 97 && c <= 122 = fromIntegral c - 71
      | c >= 48 && c <= 57 = fromIntegral c + 4
      | c == 43 = 62
      | c == 47 = 63
      | otherwise = -1
