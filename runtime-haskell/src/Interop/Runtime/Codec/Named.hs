{-# LANGUAGE DataKinds, DerivingStrategies, GeneralizedNewtypeDeriving, KindSignatures #-}
{-# LANGUAGE ScopedTypeVariables, StandaloneDeriving, TypeApplications #-}
-- | The codec of an alias of a list, map or scalar (@type Points = list<Point>@): its target's,
-- with the alias's name for the protobuf and flatbuffers messages of a payload of that type (@Points[2].y: …@, as TS,
-- Python and C give). Generated code derives it: @deriving (G.Fb, G.Wire) via (G.Named
-- "Points" [Point])@. An alias of a declared type keeps that type's codec and name, as in TS.
module Interop.Runtime.Codec.Named (Named (..)) where

import Data.Coerce (coerce)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import GHC.TypeLits (KnownSymbol, Symbol, symbolVal)
import Interop.Runtime.Codec.Flatbuffers (Fb (..), R)
import Interop.Runtime.Codec.Wire (Wire (..))

newtype Named (name :: Symbol) a = Named a

-- | Every method is the target's, except the name ('fbName': "the IDL name error messages start
-- with when the payload is of this type", which 'Interop.Runtime.Codec.decodeValue' uses).
instance (KnownSymbol name, Fb a) => Fb (Named name a) where
  fbSlot = coerce (fbSlot @a)
  fbElem = coerce (fbElem @a)
  fbWidth _ = fbWidth (Proxy :: Proxy a)
  fbSlotWidth _ = fbSlotWidth (Proxy :: Proxy a)
  fbRead = coerce (fbRead @a) :: Int -> R (Named name a)
  fbReadElem = coerce (fbReadElem @a) :: Int -> R (Named name a)
  fbAbsent = coerce (fbAbsent @a)
  fbIsTable _ = fbIsTable (Proxy :: Proxy a)
  fbName _ = T.pack (symbolVal (Proxy :: Proxy name))
  fbKey = coerce (fbKey @a)

deriving newtype instance (KnownSymbol name, Wire a) => Wire (Named name a)
