{-# LANGUAGE OverloadedStrings #-}
-- | Reading any valid FlatBuffer (docs/wire.md §3.6, "Decoding"): every position is checked
-- against the payload before it is read, each table is one level of @max_depth@, and the bytes
-- of tables, strings and vectors read are counted against the payload's size, so that shared
-- offsets cannot make a small payload decode into a huge value.
module Interop.Runtime.Codec.Flatbuffers.Reader
  ( R
  , runReader
  , failR
  , Table
  , u8, u16, u32, u64
  , deref
  , tableAt
  , slotPos
  , stringAt
  , vectorAt
  , withinR
  , payloadBytes
  ) where

import Data.Bits (shiftL, (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Unsafe as BU
import Data.Text (Text)
import qualified Data.Text as T
import Data.Int (Int32)
import Data.Word (Word16, Word32, Word64, Word8)
import Interop.Runtime.Error

-- | The payload and its @max_depth@, the depth of the current table, and the bytes read so far.
newtype R a = R {unR :: BS.ByteString -> Int -> Int -> Int -> Either InteropError (Int, a)}

instance Functor R where
  fmap f (R g) = R (\b m d n -> fmap (fmap f) (g b m d n))

instance Applicative R where
  pure x = R (\_ _ _ n -> Right (n, x))
  R f <*> R g = R (\b m d n -> case f b m d n of
    Left e -> Left e
    Right (n', h) -> fmap (fmap h) (g b m d n'))

instance Monad R where
  R g >>= k = R (\b m d n -> case g b m d n of
    Left e -> Left e
    Right (n', x) -> unR (k x) b m d n')

runReader :: Int -> BS.ByteString -> R a -> Either InteropError a
runReader maxDepth bytes r = snd <$> unR r bytes maxDepth 0 0

failR :: InteropError -> R a
failR e = R (\_ _ _ _ -> Left e)

payloadBytes :: R BS.ByteString
payloadBytes = R (\b _ _ n -> Right (n, b))

payloadSize :: R Int
payloadSize = R (\b _ _ n -> Right (n, BS.length b))

-- | Prefixes an error's message with where it happened (@Point.x@).
withinR :: Text -> R a -> R a
withinR what (R g) = R (\b m d n -> case g b m d n of
  Left (InteropError c msg) -> Left (InteropError c (what <> ": " <> msg))
  ok -> ok)

-- | Counts bytes read; more than the payload holds is an amplification attack.
charge :: Int -> R ()
charge k = R (\b _ _ n -> let n' = n + k in if n' > BS.length b
  then Left (exhausted "decoding reads more bytes than the payload holds (objects referred to more than once)")
  else Right (n', ()))

showT :: Int -> Text
showT = T.pack . show

-- | @width@ bytes at @p@, little-endian.
le :: Int -> Int -> R Word64
le width p = R (\b _ _ n -> if p < 0 || p + width > BS.length b
  then Left (invalid ("a field at " <> showT p <> " ends past the payload (" <> showT (BS.length b) <> " bytes)"))
  else Right (n, foldr (\i acc -> (acc `shiftL` 8) .|. fromIntegral (BU.unsafeIndex b (p + i))) 0 [0 .. width - 1]))

u8 :: Int -> R Word8
u8 p = fromIntegral <$> le 1 p

u16 :: Int -> R Word16
u16 p = fromIntegral <$> le 2 p

u32 :: Int -> R Word32
u32 p = fromIntegral <$> le 4 p

u64 :: Int -> R Word64
u64 = le 8

-- | The target of the uoffset at @p@ (at least 4 bytes must be there: a count or an soffset).
deref :: Int -> R Int
deref p = do
  o <- u32 p
  size <- payloadSize
  let q = p + fromIntegral o
  if q + 4 > size then failR (invalid ("the uoffset at " <> showT p <> " points outside the payload")) else pure q

-- | A table: its position, its vtable's position, the vtable's and the table's byte counts.
data Table = Table !Int !Int !Int !Int

-- | The table at @t@, one level deeper: the rest of the read runs inside it.
tableAt :: Int -> (Table -> R a) -> R a
tableAt t body = do
  so <- u32 t
  size <- payloadSize
  let vt = t - fromIntegral (fromIntegral so :: Int32)
  if vt < 0 || vt + 4 > size then failR (invalid ("the vtable of the table at " <> showT t <> " is outside the payload")) else pure ()
  vbytes <- fromIntegral <$> u16 vt
  tbytes <- fromIntegral <$> u16 (vt + 2)
  if vbytes < 4 || odd vbytes then failR (invalid ("the vtable at " <> showT vt <> " has size " <> showT vbytes <> " (odd or below 4)")) else pure ()
  if vt + vbytes > size then failR (invalid ("the vtable at " <> showT vt <> " ends past the payload")) else pure ()
  if t + tbytes > size then failR (invalid ("the table at " <> showT t <> " ends past the payload")) else pure ()
  charge (max 4 tbytes)
  deeper (body (Table t vt vbytes tbytes))

deeper :: R a -> R a
deeper (R g) = R (\b m d n -> if d + 1 > m
  then Left (exhausted ("FlatBuffers tables nest deeper than max_depth (" <> showT m <> ")"))
  else g b m (d + 1) n)

-- | Where the field of @slot@ (@width@ bytes) is, or 'Nothing' when absent.
slotPos :: Table -> Int -> Int -> R (Maybe Int)
slotPos (Table t vt vbytes tbytes) slot width
  | 4 + 2 * slot + 2 > vbytes = pure Nothing
  | otherwise = do
      off <- fromIntegral <$> u16 (vt + 4 + 2 * slot)
      size <- payloadSize
      if off == 0 then pure Nothing
        else if off >= tbytes then failR (invalid ("field " <> showT slot <> " of the table at " <> showT t <> " is past its table_bytes"))
        else if t + off + width > size then failR (invalid ("field " <> showT slot <> " of the table at " <> showT t <> " ends past the payload"))
        else pure (Just (t + off))

-- | The string at @p@ (a uoffset target): its UTF-8 bytes, not yet checked.
stringAt :: Int -> R BS.ByteString
stringAt p = do
  n <- fromIntegral <$> u32 p
  bytes <- R (\b _ _ k -> Right (k, b))
  let size = BS.length bytes
  if n > size - (p + 4) then failR (exhausted ("the string at " <> showT p <> " claims " <> showT n <> " bytes, more than the payload holds"))
    else if p + 4 + n >= size || BU.unsafeIndex bytes (p + 4 + n) /= 0 then failR (invalid ("the string at " <> showT p <> " lacks its 0 byte"))
    else do
      charge (5 + n)
      pure (BS.take n (BS.drop (p + 4) bytes))

-- | The vector at @p@ of elements of @width@ bytes: its count and the first element's position.
vectorAt :: Int -> Int -> R (Int, Int)
vectorAt width p = do
  n <- fromIntegral <$> u32 p
  size <- payloadSize
  if n > (size - (p + 4)) `div` width then failR (exhausted ("the vector at " <> showT p <> " claims " <> showT n <> " elements, more than the payload holds"))
    else do
      charge (4 + n * width)
      pure (n, p + 4)
