{-# LANGUAGE OverloadedStrings #-}
-- | Reading any valid FlatBuffer (docs/wire.md §3.6, "Decoding"): every position is checked
-- against the payload before it is read, each table is one level of @max_depth@, and the bytes
-- of tables, strings and vectors read are counted against the payload's size, so that shared
-- offsets cannot make a small payload decode into a huge value.
module Interop.Runtime.Codec.Flatbuffers.Reader
  ( R
  , runReader
  , failR
  , failExhausted
  , segment
  , Table
  , u8, u16, u32, u64
  , deref
  , tableAt
  , slotPos
  , stringAt
  , vectorAt
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

-- | What a read knows: the payload, @max_depth@, and the path to the value being read (reversed
-- segments: @.y@, @[2]@, @["a"]@) that every error message starts with.
data Env = Env !BS.ByteString !Int [Text]

-- | A read: the environment, the depth of the current table, and the bytes charged so far.
newtype R a = R {unR :: Env -> Int -> Int -> Either InteropError (Int, a)}

instance Functor R where
  fmap f (R g) = R (\e d n -> fmap (fmap f) (g e d n))

instance Applicative R where
  pure x = R (\_ _ n -> Right (n, x))
  R f <*> R g = R (\e d n -> case f e d n of
    Left err -> Left err
    Right (n', h) -> fmap (fmap h) (g e d n'))

instance Monad R where
  R g >>= k = R (\e d n -> case g e d n of
    Left err -> Left err
    Right (n', x) -> unR (k x) e d n')

-- | Runs a read of the payload; @root@ names the payload's type in messages ("" for none).
runReader :: Int -> Text -> BS.ByteString -> R a -> Either InteropError a
runReader maxDepth root bytes r = snd <$> unR r (Env bytes maxDepth [root | not (T.null root)]) 0 0

-- | Fails with @mk@ of the message prefixed by the path (@Points[2].y: …@).
failWith :: (Text -> InteropError) -> Text -> R a
failWith mk msg = R (\(Env _ _ path) _ _ -> Left (mk (if null path then msg else T.concat (reverse path) <> ": " <> msg)))

failR :: Text -> R a
failR = failWith invalid

failExhausted :: Text -> R a
failExhausted = failWith exhausted

-- | Reads @body@ one segment deeper in the path.
segment :: Text -> R a -> R a
segment seg (R g) = R (\(Env b m path) d n -> g (Env b m (seg : path)) d n)

payloadBytes :: R BS.ByteString
payloadBytes = R (\(Env b _ _) _ n -> Right (n, b))

payloadSize :: R Int
payloadSize = BS.length <$> payloadBytes

-- | Counts bytes read (test/vectors/README.md, "flatbuffers.json": a table 4, a field its inline
-- size, a string or vector 4 + count × size); more than the payload holds is an amplification.
charge :: Int -> R ()
charge k = R (\_ _ n -> Right (n + k, ())) >> over
  where
    over = R (\(Env b _ _) _ n -> Right (n, n > BS.length b)) >>= \past -> if past
      then payloadSize >>= \size -> failExhausted ("decoding reads more than the payload's " <> showT size <> " bytes (objects referred to more than once)")
      else pure ()

showT :: Int -> Text
showT = T.pack . show

-- | @width@ bytes at @p@, little-endian (@p@ already checked to be inside the payload).
le :: Int -> Int -> R Word64
le width p = payloadBytes >>= \b -> pure (foldr (\i acc -> (acc `shiftL` 8) .|. fromIntegral (BU.unsafeIndex b (p + i))) 0 [0 .. width - 1])

-- | @width@ bytes at @p@, after checking they are in the payload.
checked :: Int -> Int -> R Word64
checked width p = payloadSize >>= \size -> if p < 0 || p + width > size
  then failR ("the offset at " <> showT p <> " points outside the payload (" <> showT size <> " bytes)")
  else le width p

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
  o <- checked 4 p
  size <- payloadSize
  let q = p + fromIntegral o
  if q + 4 > size then failR ("the offset at " <> showT p <> " points outside the payload (" <> showT size <> " bytes)") else pure q

-- | A table: its position, its vtable's position, the vtable's and the table's byte counts.
data Table = Table !Int !Int !Int !Int

-- | The table at @t@, one level deeper: the rest of the read runs inside it.
tableAt :: Int -> (Table -> R a) -> R a
tableAt t body = deeper $ do
  so <- u32 t
  size <- payloadSize
  let vt = t - fromIntegral (fromIntegral so :: Int32)
  if vt < 0 || vt + 4 > size then failR ("the vtable of the table at " <> showT t <> " is outside the payload") else pure ()
  vbytes <- fromIntegral <$> u16 vt
  tbytes <- fromIntegral <$> u16 (vt + 2)
  if vbytes < 4 || odd vbytes then failR ("the vtable at " <> showT vt <> " has size " <> showT vbytes <> " (odd or below 4)") else pure ()
  if vt + vbytes > size then failR ("the vtable at " <> showT vt <> " ends past the payload") else pure ()
  charge 4
  body (Table t vt vbytes tbytes)

-- | Each table is a level of @max_depth@, the root included.
deeper :: R a -> R a
deeper (R g) = R (\e@(Env _ m _) d n -> if d + 1 > m
  then unR (failExhausted ("nesting deeper than max_depth " <> showT m)) e d n
  else g e (d + 1) n)

-- | Where the field of @slot@ (@width@ bytes) is, or 'Nothing' when absent; a present field is
-- charged its width.
slotPos :: Table -> Int -> Int -> R (Maybe Int)
slotPos (Table t vt vbytes tbytes) slot width
  | 4 + 2 * slot + 2 > vbytes = pure Nothing
  | otherwise = do
      off <- fromIntegral <$> u16 (vt + 4 + 2 * slot)
      size <- payloadSize
      if off == 0 then pure Nothing
        else if off + width > tbytes then failR ("field " <> showT slot <> " at offset " <> showT off <> " is past the table's " <> showT tbytes <> " bytes")
        else if t + off + width > size then failR ("field " <> showT slot <> " of the table at " <> showT t <> " ends past the payload")
        else charge width >> pure (Just (t + off))

-- | The string at @p@ (a uoffset target): its UTF-8 bytes, not yet checked.
stringAt :: Int -> R BS.ByteString
stringAt p = do
  n <- fromIntegral <$> u32 p
  bytes <- payloadBytes
  let size = BS.length bytes
  if n > size - (p + 4) then failExhausted ("a string of " <> showT n <> " bytes at " <> showT p <> " but only " <> showT (size - (p + 4)) <> " bytes left")
    else if p + 4 + n >= size || BU.unsafeIndex bytes (p + 4 + n) /= 0 then failR ("the string at " <> showT p <> " does not end with a 0 byte")
    else do
      charge (4 + n)
      pure (BS.take n (BS.drop (p + 4) bytes))

-- | The vector at @p@ of elements of @width@ bytes: its count and the first element's position.
vectorAt :: Int -> Int -> R (Int, Int)
vectorAt width p = do
  n <- fromIntegral <$> u32 p
  size <- payloadSize
  if n > (size - (p + 4)) `div` width
    then failExhausted ("a vector of " <> showT n <> " elements of size " <> showT width <> " at " <> showT p <> " but only " <> showT (size - (p + 4)) <> " bytes left")
    else do
      charge (4 + n * width)
      pure (n, p + 4)
