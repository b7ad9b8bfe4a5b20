-- Called, not inlined or specialised, from every record (the point of this module).
{-# OPTIONS_GHC -fomit-interface-pragmas #-}
-- | Eq, Ord and Show of generated records (structs, errors, a function's parameters), the same
-- as @deriving (Eq, Ord, Show)@ gives, made of calls: a derived instance is expanded in full for
-- every record of a generated module, and in a schema of hundreds of declarations that was most
-- of GHC's time (docs/haskell.md, Compile times). Generated code writes
--
-- > a == b = eqField a0 b0 && eqField a1 b1
-- > compare a b = compareField a0 b0 <> compareField a1 b1
-- > showsPrec d v = showsRecord d "Point" [showsField "pointX" x, showsField "pointY" y]
--
-- which are exactly the derived instances' meanings: fields compared left to right, stopping at
-- the first difference; the derived text, parenthesised at precedence 11 and above.
module Interop.Runtime.Derived
  ( eqField
  , compareField
  , showsRecord
  , showsField
  , showsCon
  , showsArg
  ) where

eqField :: Eq a => a -> a -> Bool
eqField = (==)

compareField :: Ord a => a -> a -> Ordering
compareField = compare

-- | A constructor in record syntax: @Point {pointX = 1, pointY = -2}@.
showsRecord :: Int -> String -> [ShowS] -> ShowS
showsRecord d con fields = showParen (d >= 11) (showString con . showString " {" . commas fields . showChar '}')
  where
    commas [] = id
    commas (f : fs) = f . foldr (\g rest -> showString ", " . g . rest) id fs

-- | One field in record syntax: its name, then its value at precedence 0.
showsField :: Show a => String -> a -> ShowS
showsField name v = showString name . showString " = " . showsPrec 0 v

-- | A constructor with positional fields: @Params'add 1 (-2)@; without fields, its name alone.
showsCon :: Int -> String -> [ShowS] -> ShowS
showsCon _ con [] = showString con
showsCon d con args = showParen (d >= 11) (showString con . foldr (\a rest -> showChar ' ' . a . rest) id args)

-- | A positional field: at precedence 11, as a constructor argument.
showsArg :: Show a => a -> ShowS
showsArg = showsPrec 11
