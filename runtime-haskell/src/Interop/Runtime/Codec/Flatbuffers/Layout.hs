-- | The canonical FlatBuffers layout of docs/wire.md §3.6 (ADR 0041): forward and depth-first, a
-- table's own vtable just before it, then the objects its fields refer to in slot order, each
-- followed at once by its own. Alignment depends on absolute positions, so an object is a
-- function of the cursor it starts at: it returns where it is referred to, where it ends, and
-- its bytes (padding included). A table lays its children out after itself before it writes the
-- offsets to them; laziness keeps that one pass.
module Interop.Runtime.Codec.Flatbuffers.Layout
  ( Obj
  , Slot (..)
  , table
  , string
  , scalarVector
  , offsetVector
  , alignedBytes
  , rootPayload
  ) where

import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.List (foldl')

-- | An object placed at a cursor: (its reference position, the cursor after it, its bytes from
-- the cursor on).
type Obj = Int -> (Int, Int, B.Builder)

-- | What a table slot holds: an inline scalar (its width and little-endian bytes) or a uoffset to
-- an object written after the table.
data Slot = Inline !Int B.Builder | Ref Obj

roundUp :: Int -> Int -> Int
roundUp n a = (n + a - 1) `div` a * a

zeros :: Int -> B.Builder
zeros n = mconcat (replicate n (B.word8 0))

slotSize :: Slot -> Int
slotSize s = case s of
  Inline n _ -> n
  Ref _ -> 4

-- | A table from its slots in slot order ('Nothing': not written). Step 3 of §3.6.
table :: [Maybe Slot] -> Obj
table slots cur = (t, end, bytes)
  where
    written = [(i, s) | (i, Just s) <- zip [0 :: Int ..] slots]
    n = if null written then 0 else fst (last written) + 1
    vbytes = 4 + 2 * n
    align = maximum (4 : map (slotSize . snd) written)
    t = roundUp (cur + vbytes) align
    -- Each written field at the next multiple of its size after the previous one: (slot, position).
    (fieldsEnd, placedRev) = foldl' place (t + 4, []) written
    place (pos, acc) (i, s) = let p = roundUp pos (slotSize s) in (p + slotSize s, (i, p, s) : acc)
    placed = reverse placedRev
    -- Then the children in slot order from the end of the table on; each field's bytes.
    (end, fieldBytesRev, childBytesRev) = foldl' child (fieldsEnd, [], []) placed
    child (c, fs, cs) (_, p, s) = case s of
      Inline _ b -> (c, b : fs, cs)
      Ref obj -> let (ref, c', b) = obj c in (c', B.word32LE (fromIntegral (ref - p)) : fs, b : cs)
    slotOffsets = [maybe 0 (\p -> p - t) (lookup i [(j, p) | (j, p, _) <- placed]) | i <- [0 .. n - 1]]
    vtable = B.word16LE (fromIntegral vbytes) <> B.word16LE (fromIntegral (fieldsEnd - t))
      <> foldMap (B.word16LE . fromIntegral) slotOffsets
    body = snd (foldl' (\(pos, acc) ((_, p, s), b) -> (p + slotSize s, acc <> zeros (p - pos) <> b))
      (t + 4, mempty) (zip placed (reverse fieldBytesRev)))
    bytes = zeros (t - vbytes - cur) <> vtable <> B.int32LE (fromIntegral vbytes) <> body
      <> mconcat (reverse childBytesRev)

-- | Step 4: at the next multiple of 4, the byte count, the bytes, a 0 byte.
string :: BS.ByteString -> Obj
string s cur = (p, p + 5 + BS.length s, zeros (p - cur) <> B.word32LE (fromIntegral (BS.length s)) <> B.byteString s <> B.word8 0)
  where
    p = roundUp cur 4

-- | Step 5, scalars of width @size@: the count where it is 4-aligned and the elements are
-- aligned to their width.
scalarVector :: Int -> [B.Builder] -> Obj
scalarVector size elems cur = (p, p + 4 + size * count, zeros (p - cur) <> B.word32LE (fromIntegral count) <> mconcat elems)
  where
    count = length elems
    q = roundUp cur 4
    p = if (q + 4) `mod` max 4 size == 0 then q else q + 4

-- | A [ubyte] vector whose bytes start at a multiple of @align@: the error envelope's @detail@,
-- a nested FlatBuffer that must stay 8-aligned (§3.6).
alignedBytes :: Int -> BS.ByteString -> Obj
alignedBytes align b cur = (p, p + 4 + BS.length b, zeros (p - cur) <> B.word32LE (fromIntegral (BS.length b)) <> B.byteString b)
  where
    q = roundUp cur 4
    p = if (q + 4) `mod` align == 0 then q else q + 4

-- | Step 5, tables or strings: the count and one uoffset each, then every element in order.
offsetVector :: [Obj] -> Obj
offsetVector elems cur = (p, end, zeros (p - cur) <> B.word32LE (fromIntegral count) <> offsets <> mconcat bodies)
  where
    count = length elems
    p = roundUp cur 4
    start = p + 4 + 4 * count
    (end, placed) = foldl' (\(c, acc) obj -> let (ref, c', b) = obj c in (c', (ref, b) : acc)) (start, []) elems
    laid = reverse placed
    offsets = mconcat [B.word32LE (fromIntegral (ref - (p + 4 + 4 * i))) | (i, (ref, _)) <- zip [0 ..] laid]
    bodies = map snd laid

-- | A payload: the root uoffset (step 1), then the root table at 4.
rootPayload :: Obj -> B.Builder
rootPayload root = let (ref, _, b) = root 4 in B.word32LE (fromIntegral ref) <> b
