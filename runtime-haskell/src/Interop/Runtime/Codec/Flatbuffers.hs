{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- Called by every generated instance, not inlined into it: see Interop.Runtime.Codec.Record.
{-# OPTIONS_GHC -fomit-interface-pragmas #-}
-- | The flatbuffers codec (docs/wire.md §3.6, docs/types.md "FlatBuffers"): 'Fb' says how a value
-- sits in a table slot and in a vector, and reads it back from any valid layout. The runtime gives
-- the instances of scalars and containers; generated code those of structs, errors, parameters,
-- unions and enums, out of the helpers below. 'Fb' is a superclass of
-- 'Interop.Runtime.Codec.Wire.Wire', so every type with a codec has this one too.
module Interop.Runtime.Codec.Flatbuffers
  ( Fb (..)
  , encodeFb
  , decodeFb
    -- * For generated code
  , fbRecord, fbInexpressible, fbTable, fbField, fbFieldDefault
  , fbUnion, fbUnionCase, fbUnknownCase
  , fbEnumSlot, fbEnumRead, fbEnumKey
  , decodeFbRoot
  , R
  ) where

import Control.Exception (throw)
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import Data.Int (Int16, Int32, Int64, Int8)
import qualified Data.Map.Strict as Map
import Control.Monad (foldM)
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Float (castDoubleToWord64, castFloatToWord32, castWord32ToFloat, castWord64ToDouble)
import Interop.Runtime.Codec.Flatbuffers.Layout
import Interop.Runtime.Codec.Flatbuffers.Reader
import Interop.Runtime.Error

class Fb a where
  -- | What the value writes in a table slot ('Nothing': an absent optional, not written).
  fbSlot :: a -> Maybe Slot
  -- | The value as a vector element: itself, or (bytes, lists, maps, optionals) in its one-field
  -- wrapper table.
  fbElem :: a -> Slot
  fbElem v = maybe (Inline 0 mempty) id (fbSlot v)
  -- | A scalar element's width in a vector; 0 for an element referred to by offset.
  fbWidth :: Proxy a -> Int
  fbWidth _ = 0
  -- | The bytes its slot takes in a table: its width, or a uoffset's 4 (an optional: its value's).
  fbSlotWidth :: Proxy a -> Int
  fbSlotWidth p = let w = fbWidth p in if w == 0 then 4 else w
  -- | Reads the value of a slot or element at @p@: an inline scalar, or the object the uoffset
  -- there refers to.
  fbRead :: Int -> R a
  fbReadElem :: Int -> R a
  fbReadElem = fbRead
  -- | The value of an absent slot (the schema's zero value), or 'Nothing' when a value is
  -- required (a struct or union).
  fbAbsent :: Maybe a
  fbAbsent = Nothing
  -- | Whether a payload of this type is a table itself (struct, error, union, parameters) rather
  -- than the @value@ of a one-field wrapper table.
  fbIsTable :: Proxy a -> Bool
  fbIsTable _ = False
  -- | The IDL name error messages start with when the payload is of this type ("" for none).
  fbName :: Proxy a -> Text
  fbName _ = T.empty
  -- | A map key in messages: @"a"@, @7@ (the segment is @[key]@).
  fbKey :: a -> Text
  fbKey _ = T.empty

-- ---- payloads ---------------------------------------------------------------------------------

encodeFb :: forall a. Fb a => a -> B.Builder
encodeFb v = rootPayload $ case fbSlot v of
  Just (Ref obj) | fbIsTable (Proxy :: Proxy a) -> obj
  slot -> table [slot]

-- | An empty payload is the root table with no field (an empty HTTP body).
decodeFb :: forall a. Fb a => Int -> BS.ByteString -> Either InteropError a
decodeFb maxDepth bytes
  | fbIsTable p = decodeFbTable maxDepth (fbName p) bytes (const (fbRead 0))
  | otherwise = decodeFbTable maxDepth (fbName p) bytes (\_ -> deref 0 >>= \t -> tableAt t (\tb -> fieldAt tb 0))
  where
    p = Proxy :: Proxy a

-- | Reads a payload with @body@ (given the root table's position; the error envelope's reader
-- takes the table); @name@ starts error messages.
decodeFbTable :: Int -> Text -> BS.ByteString -> (Int -> R a) -> Either InteropError a
decodeFbTable maxDepth name bytes body
  | BS.null bytes = decodeFbTable maxDepth name emptyTable body
  | BS.length bytes < 4 = runReader maxDepth name bytes (failR ("a payload of " <> T.pack (show (BS.length bytes)) <> " bytes (a FlatBuffer has at least 4)"))
  | otherwise = runReader maxDepth name bytes (body 0)

-- | The root table of a payload, read with @body@ (the error envelope).
decodeFbRoot :: Int -> BS.ByteString -> (Table -> R a) -> Either InteropError a
decodeFbRoot maxDepth bytes body = decodeFbTable maxDepth T.empty bytes (\p -> deref p >>= \t -> tableAt t body)

-- | The root table with no field (§3.6).
emptyTable :: BS.ByteString
emptyTable = BS.pack [8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0]

-- ---- records ----------------------------------------------------------------------------------

-- | A table from (slot, value) pairs in ascending slot order.
fbRecord :: [(Int, Maybe Slot)] -> Maybe Slot
fbRecord fields = Just (Ref (table (dense 0 fields)))
  where
    dense _ [] = []
    dense i ((s, v) : rest)
      | i < s = Nothing : dense (i + 1) ((s, v) : rest)
      | otherwise = v : dense (i + 1) rest

-- | The writer of a record with a field id past 1024 (E0703 in `interopc gen --lang fbs`).
fbInexpressible :: Text -> a
fbInexpressible = throw . invalid

-- | Reads the table the uoffset at @p@ refers to.
fbTable :: Int -> (Table -> R a) -> R a
fbTable p body = deref p >>= \t -> tableAt t body

-- | The field @name@: its value, or its zero value when absent (an error for a struct or union).
fbField :: Fb a => Text -> Table -> Int -> R a
fbField name t slot = segment ("." <> name) (fieldAt t slot)

fbFieldDefault :: forall a. Fb a => Text -> Table -> Int -> a -> R a
fbFieldDefault name t slot def = segment ("." <> name) (slotPos t slot (fbSlotWidth (Proxy :: Proxy a)) >>= maybe (pure def) fbRead)

-- | A field without a segment of its own in messages (a wrapper's, a map entry's).
fieldAt :: forall a. Fb a => Table -> Int -> R a
fieldAt t slot = slotPos t slot (fbSlotWidth (Proxy :: Proxy a)) >>= \found -> case found of
  Just p -> fbRead p
  Nothing -> maybe (failR "missing required field") pure fbAbsent

-- ---- unions -----------------------------------------------------------------------------------

-- | The union table: slot 0 the case id, slot 1 the case table @{ value }@ (empty for a unit case).
fbUnion :: Word8 -> Maybe Slot -> Maybe Slot
fbUnion caseId value = Just (Ref (table [Just (Inline 1 (B.word8 caseId)), Just (Ref (table [value]))]))

-- | The case id and case table of a union table.
fbUnionCase :: Text -> Table -> (Word8 -> Table -> R a) -> R a
fbUnionCase name t body = do
  k <- maybe (pure 0) u8 =<< slotPos t 0 1
  v <- slotPos t 1 4
  case v of
    Just p | k /= 0 -> deref p >>= \c -> tableAt c (body k)
    _ -> failR ("expected exactly one " <> name <> " case")

fbUnknownCase :: Text -> Word8 -> R a
fbUnknownCase name k = failR ("unknown " <> name <> " case id " <> T.pack (show k))

-- ---- enums ------------------------------------------------------------------------------------

fbEnumSlot :: (e -> Int32) -> e -> Maybe Slot
fbEnumSlot value e = Just (Inline 4 (B.int32LE (value e)))

fbEnumKey :: (e -> Int32) -> e -> Text
fbEnumKey value = T.pack . show . value

fbEnumRead :: (Int32 -> e) -> Int -> R e
fbEnumRead fromValue p = fromValue . fromIntegral <$> u32 p

-- ---- scalars ----------------------------------------------------------------------------------

scalar :: Int -> B.Builder -> Maybe Slot
scalar w b = Just (Inline w b)

instance Fb Bool where
  fbSlot b = scalar 1 (B.word8 (if b then 1 else 0))
  fbWidth _ = 1
  fbRead p = u8 p >>= \b -> case b of
    0 -> pure False
    1 -> pure True
    _ -> failR ("expected bool, got a byte of " <> T.pack (show b))
  fbAbsent = Just False

instance Fb Int8 where
  fbKey = T.pack . show
  fbSlot = scalar 1 . B.int8
  fbWidth _ = 1
  fbRead p = fromIntegral <$> u8 p
  fbAbsent = Just 0

instance Fb Int16 where
  fbKey = T.pack . show
  fbSlot = scalar 2 . B.int16LE
  fbWidth _ = 2
  fbRead p = fromIntegral <$> u16 p
  fbAbsent = Just 0

instance Fb Int32 where
  fbKey = T.pack . show
  fbSlot = scalar 4 . B.int32LE
  fbWidth _ = 4
  fbRead p = fromIntegral <$> u32 p
  fbAbsent = Just 0

instance Fb Int64 where
  fbKey = T.pack . show
  fbSlot = scalar 8 . B.int64LE
  fbWidth _ = 8
  fbRead p = fromIntegral <$> u64 p
  fbAbsent = Just 0

instance Fb Word8 where
  fbKey = T.pack . show
  fbSlot = scalar 1 . B.word8
  fbWidth _ = 1
  fbRead = u8
  fbAbsent = Just 0

instance Fb Word16 where
  fbKey = T.pack . show
  fbSlot = scalar 2 . B.word16LE
  fbWidth _ = 2
  fbRead = u16
  fbAbsent = Just 0

instance Fb Word32 where
  fbKey = T.pack . show
  fbSlot = scalar 4 . B.word32LE
  fbWidth _ = 4
  fbRead = u32
  fbAbsent = Just 0

instance Fb Word64 where
  fbKey = T.pack . show
  fbSlot = scalar 8 . B.word64LE
  fbWidth _ = 8
  fbRead = u64
  fbAbsent = Just 0

-- NaN is written as the one quiet NaN with the sign bit clear.
instance Fb Float where
  fbSlot f = scalar 4 (B.word32LE (if isNaN f then 0x7fc00000 else castFloatToWord32 f))
  fbWidth _ = 4
  fbRead p = castWord32ToFloat <$> u32 p
  fbAbsent = Just 0

instance Fb Double where
  fbSlot d = scalar 8 (B.word64LE (if isNaN d then 0x7ff8000000000000 else castDoubleToWord64 d))
  fbWidth _ = 8
  fbRead p = castWord64ToDouble <$> u64 p
  fbAbsent = Just 0

instance Fb Text where
  fbKey t = "\"" <> t <> "\""
  fbSlot t = Just (Ref (string (TE.encodeUtf8 t)))
  fbRead p = do
    bytes <- deref p >>= stringAt
    either (const (failR "invalid UTF-8 in string")) pure (TE.decodeUtf8' bytes)
  fbAbsent = Just T.empty

-- Bytes are a [ubyte] vector; as a vector element, in its wrapper table @BytesValue@.
instance Fb BS.ByteString where
  fbSlot b = Just (Ref (alignedBytes 1 b))
  fbElem = wrapped
  fbRead p = do
    (n, first) <- deref p >>= vectorAt 1
    bytes <- payloadBytes
    pure (BS.take n (BS.drop first bytes))
  fbReadElem = readWrapped
  fbAbsent = Just BS.empty

-- ---- containers -------------------------------------------------------------------------------

-- | A one-field wrapper table (slot 0), for an element a vector cannot hold as itself.
wrapped :: Fb a => a -> Slot
wrapped v = Ref (table [fbSlot v])

readWrapped :: Fb a => Int -> R a
readWrapped p = fbTable p (`fieldAt` 0)

instance Fb a => Fb [a] where
  fbSlot xs = Just (Ref (vectorOf xs))
  fbElem = wrapped
  fbRead p = deref p >>= readVector
  fbReadElem = readWrapped
  fbAbsent = Just []

vectorOf :: forall a. Fb a => [a] -> Obj
vectorOf xs = case fbWidth (Proxy :: Proxy a) of
  0 -> offsetVector [obj | Ref obj <- map fbElem xs]
  w -> scalarVector w [b | Inline _ b <- map fbElem xs]

readVector :: forall a. Fb a => Int -> R [a]
readVector q = do
  let w = case fbWidth (Proxy :: Proxy a) of
        0 -> 4
        x -> x
  (n, first) <- vectorAt w q
  mapM (\i -> segment (T.pack ("[" <> show i <> "]")) (fbReadElem (first + i * w))) [0 .. n - 1]

-- A map is a vector of entry tables { key (slot 0), value (slot 1) } in key order.
instance (Ord k, Fb k, Fb v) => Fb (Map.Map k v) where
  fbSlot m = Just (Ref (offsetVector [table [fbSlot k, fbSlot v] | (k, v) <- Map.toAscList m]))
  fbElem = wrapped
  fbRead p = do
    q <- deref p
    (n, first) <- vectorAt 4 q
    let entry m i = fbTable (first + 4 * i) $ \t -> do
          k <- segment (T.pack ("[" <> show i <> "]")) (fieldAt t 0)
          segment ("[" <> fbKey k <> "]") $ do
            if Map.member k m then failR ("duplicate map key " <> T.dropAround (== '"') (fbKey k)) else pure ()
            v <- fieldAt t 1
            pure (Map.insert k v m)
    foldM entry Map.empty [0 .. n - 1]
  fbReadElem = readWrapped
  fbAbsent = Just Map.empty

-- An optional: not written when absent; as a vector element, in its wrapper table @OptionalT@.
instance Fb a => Fb (Maybe a) where
  fbSlot = (>>= fbSlot)
  fbElem = Ref . table . (: []) . (>>= fbSlot)
  fbRead p = Just <$> fbRead p
  fbReadElem p = fbTable p (\t -> slotPos t 0 (fbSlotWidth (Proxy :: Proxy a)) >>= maybe (pure Nothing) (fmap Just . fbRead))
  fbAbsent = Just Nothing
  fbSlotWidth _ = fbSlotWidth (Proxy :: Proxy a)
