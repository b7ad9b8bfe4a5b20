-- | Everything generated code refers to, in one module that generated modules import qualified
-- (@import qualified Interop.Runtime.Gen as G@), so that no IDL name can clash with a library
-- name. Not meant for hand-written code: import "Interop.Runtime" instead.
module Interop.Runtime.Gen
  ( -- * Types generated code is made of
    Int8, Int16, Int32, Int64, Word8, Word16, Word32, Word64
  , Text, ByteString, Map, Proxy (..), Exception
  , mapFromList, utf8, showText
    -- * Codecs
  , Wire (..), WireKey (..), Named (..), OpenEnum (..), DeclaredError (..), SomeWire (..), someWire
  , module Interop.Runtime.Codec.Record
  , Fb (..), fbRecord, fbInexpressible, fbTable, fbField, fbFieldDefault, fbUnion, fbUnionCase, fbUnknownCase, fbEnumSlot, fbEnumRead, fbEnumKey
  , mpNil
  , enumWriteJson, enumWriteMsgpack, enumReadJson, enumReadMsgpack, enumKeyToJson, enumKeyFromJson
  , enumPbSingle, enumPbPacked, enumPbRead
    -- * Eq, Ord and Show of records
  , module Interop.Runtime.Derived
    -- * Descriptors, specs, client and server
  , ModuleDesc (..), FnKind (..), withCompat
  , PayloadCodec, valuePayload, paramsPayload, emptyPayload
  , ErrorSpec, errorSpec
  , CallSpec, OnewaySpec, EventSpec, StreamSpec, callSpec, onewaySpec, eventSpec, streamSpec
  , Invoker (..), CallOptions, defaultCallOptions, CallContext, Subscription, Publisher (..)
  , Service, service, serveCall, serveOneway, serveStream, unimplemented
  , Items, Emit, Source, emptySource, clientStream, withStream
  ) where

import Control.Exception (Exception)
import Data.ByteString (ByteString)
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Map.Strict (Map)
import qualified Data.Map.Strict as Map
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word16, Word32, Word64, Word8)
import Interop.Runtime.Codec.Enum
import Interop.Runtime.Codec.Flatbuffers
import Interop.Runtime.Codec.Msgpack (mpNil)
import Interop.Runtime.Codec.Named (Named (..))
import Interop.Runtime.Codec.Record
import Interop.Runtime.Codec.Wire
import Interop.Runtime.Declared
import Interop.Runtime.Derived
import Interop.Runtime.Module
import Interop.Runtime.Stream

mapFromList :: Ord k => [(k, v)] -> Map k v
mapFromList = Map.fromList

-- | The UTF-8 bytes of a text (a @bytes@ constant is written as a string in the IDL).
utf8 :: Text -> ByteString
utf8 = TE.encodeUtf8

showText :: Show a => a -> Text
showText = T.pack . show
