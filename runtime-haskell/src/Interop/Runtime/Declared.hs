{-# LANGUAGE ExistentialQuantification #-}
-- | Declared error types (the schema's @error@ declarations, docs/wire.md §4) and a type's codec
-- as a value ('SomeWire'), for code that picks a type by its IDL name.
module Interop.Runtime.Declared
  ( DeclaredError (..)
  , SomeWire (..)
  , someWire
  ) where

import Control.Exception (Exception)
import Data.Proxy (Proxy)
import Data.Text (Text)
import Data.Typeable (Typeable)
import Interop.Runtime.Codec.Wire

-- Called by the codec list of every generated module, not inlined there.
{-# NOINLINE someWire #-}

-- | A generated error type: an exception with a codec and a qualified IDL name. A handler throws
-- one ('Control.Exception.throwIO'); the caller catches the same type.
class (Exception e, Wire e) => DeclaredError e where
  -- | The qualified IDL name that travels in the error envelope (@example.chat.NotFound@).
  errorTypeName :: proxy e -> Text

-- | The codec of some type, chosen at run time.
data SomeWire = forall a. (Wire a, Typeable a) => SomeWire (Proxy a)

someWire :: (Wire a, Typeable a) => Proxy a -> SomeWire
someWire = SomeWire
