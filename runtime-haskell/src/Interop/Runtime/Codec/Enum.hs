{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- Called by every generated enum instance, not inlined into it: see Interop.Runtime.Codec.Record.
{-# OPTIONS_GHC -fomit-interface-pragmas #-}
-- | Open enums (docs/wire.md §3): a generated enum has a constructor per member and one for a
-- value this version does not know, kept as it came. The codec goes by the value and the member
-- names given by 'OpenEnum', so generated instances are one line per method.
module Interop.Runtime.Codec.Enum
  ( OpenEnum (..)
  , enumWriteJson, enumWriteMsgpack, enumReadJson, enumReadMsgpack
  , enumKeyToJson, enumKeyFromJson
  , enumPbSingle, enumPbPacked, enumPbRead
  ) where

import qualified Data.ByteString.Builder as B
import Data.Int (Int32)
import Data.Word (Word32, Word64)
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Msgpack
import Interop.Runtime.Codec.Protobuf
import Interop.Runtime.Codec.Record (enumKey, jsonEnum, enumFromMsgpack)
import Interop.Runtime.Codec.Scalars (jsonString)
import Interop.Runtime.Codec.Wire

class OpenEnum e where
  enumValue :: e -> Int32
  -- | The member with that value, or the unknown constructor holding it.
  enumFromValue :: Int32 -> e
  -- | Every member's IDL name and value, in declaration order.
  enumNames :: proxy e -> [(Text, Int32)]

nameOf :: forall e. OpenEnum e => e -> Maybe Text
nameOf e = let v = enumValue e in lookup v [(n, t) | (t, n) <- enumNames (Proxy :: Proxy e)]

byName :: forall e. OpenEnum e => Text -> Maybe e
byName t = enumFromValue <$> lookup t (enumNames (Proxy :: Proxy e))

-- | A member by name; an unknown value as a number.
enumWriteJson :: OpenEnum e => e -> B.Builder
enumWriteJson e = maybe (B.int32Dec (enumValue e)) jsonString (nameOf e)

enumWriteMsgpack :: OpenEnum e => e -> B.Builder
enumWriteMsgpack = mpInt . fromIntegral . enumValue

enumReadJson :: OpenEnum e => Text -> JValue -> Decoded e
enumReadJson what = jsonEnum what byName enumFromValue

enumReadMsgpack :: OpenEnum e => Text -> MValue -> Decoded e
enumReadMsgpack what = enumFromMsgpack what enumFromValue

-- | As a JSON map key: the member name, an unknown value as its decimal text.
enumKeyToJson :: OpenEnum e => e -> B.Builder
enumKeyToJson e = maybe (B.char7 '"' <> B.int32Dec (enumValue e) <> B.char7 '"') jsonString (nameOf e)

enumKeyFromJson :: OpenEnum e => Text -> Text -> Decoded e
enumKeyFromJson what = enumKey what byName enumFromValue

-- | protobuf: the int32 value as a varint (a negative one in ten bytes); unknown values kept.
enumPbSingle :: OpenEnum e => Word32 -> e -> B.Builder
enumPbSingle n e = pbKey n 0 <> pbEnumVarint (enumValue e)

enumPbPacked :: OpenEnum e => Maybe (Word64, e -> B.Builder)
enumPbPacked = Just (0, pbEnumVarint . enumValue)

enumPbRead :: OpenEnum e => PbDepth -> PbRaw -> Decoded e
enumPbRead _ raw = enumFromValue <$> pbEnumOf raw
