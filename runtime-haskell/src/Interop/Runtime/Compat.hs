{-# LANGUAGE OverloadedStrings #-}
-- | Mixed versions (docs/wire.md §2.1, §2.2): the compatibility tables peers exchange in the
-- handshake, and the rule that decides, per function and event, whether this side can use the
-- peer's version of a module. The compiler computes the tables into the IR (docs/ir.md); this
-- module only checks their shape and compares strings.
module Interop.Runtime.Compat
  ( MemberKind (..)
  , checkTable
  , compatOfIr
  , verdict
  , firstDifference
  , foreignPeer
  , closedWithoutAnswer
  ) where

import Data.Bits ((.&.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Char8 as BC
import Data.List (sort)
import Data.Maybe (isJust)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Interop.Runtime.Error
import Interop.Runtime.PlainJson
import Numeric (showHex)

data MemberKind = FunctionMember | EventMember
  deriving (Eq, Ord, Show)

protocolError :: Text -> InteropError
protocolError = interopError CodeProtocolError

-- | A table received from a peer: Left PROTOCOL_ERROR when its shape is wrong.
checkTable :: Text -> Doc -> Either InteropError Doc
checkTable at table = case table of
  DObj _ -> do
    fns <- entries "functions" True
    evs <- entries "events" True
    types <- entries "types" False
    let known = map fst types
    sequence_
      [ Left (protocolError (at <> "." <> group <> "." <> name <> ".uses: type " <> t <> " is not in types"))
      | (group, es) <- [("functions", fns), ("events", evs)], (name, e) <- es, DStr t <- usesOf e, t `notElem` known ]
    pure table
  _ -> Left (protocolError (at <> ": expected an object"))
  where
    entries group withUses = case member group table of
      Just (DObj es) -> mapM (\(k, e) -> (,) k <$> entry (at <> "." <> group <> "." <> k) withUses e) es
      _ -> Left (protocolError (at <> "." <> group <> ": expected an object"))
    entry where' withUses e = case e of
      DObj _ -> do
        texts (where' <> ".must") (member "must" e)
        texts (where' <> ".may") (member "may" e)
        if withUses
          then case member "uses" e of
            Just (DArr xs) | all isStr xs -> pure e
            _ -> Left (protocolError (where' <> ".uses: expected an array of strings"))
          else pure e
      _ -> Left (protocolError (where' <> ": expected an object"))
    texts where' v = case v of
      Just (DObj kvs) | all (isStr . snd) kvs -> pure ()
      _ -> Left (protocolError (where' <> ": expected an object of strings"))
    isStr (DStr _) = True
    isStr _ = False
    usesOf e = case member "uses" e of
      Just (DArr xs) -> xs
      _ -> []

-- | The compatibility table in a module's IR, if any (a hand-made descriptor has none).
compatOfIr :: BS.ByteString -> Maybe Doc
compatOfIr ir = case parseDoc ir of
  Right doc | Just t@(DObj _) <- member "compat" doc -> Just t
  _ -> Nothing

textOf :: Doc -> Text -> Maybe Text
textOf e k = case (member "must" e >>= member k, member "may" e >>= member k) of
  (Just (DStr t), _) -> Just t
  (_, Just (DStr t)) -> Just t
  _ -> Nothing

inMust :: Doc -> Text -> Bool
inMust e k = isJust (member "must" e >>= member k)

keysOf :: Doc -> [Text]
keysOf e = [k | part <- ["must", "may"], Just (DObj kvs) <- [member part e], (k, _) <- kvs]

-- | The first member, in code-point order of the keys, on which two entries disagree: a key both
-- have with different texts, or a key only one has in its @must@.
firstDifference :: Doc -> Doc -> Maybe Text
firstDifference ours theirs = case filter differs (dedup (sort (keysOf ours <> keysOf theirs))) of
  (k : _) -> Just (k <> " is " <> quoted (textOf ours k) <> " here, " <> quoted (textOf theirs k) <> " on the peer")
  [] -> Nothing
  where
    differs k = case (textOf ours k, textOf theirs k) of
      (Just a, Just b) -> a /= b
      (Just _, Nothing) -> inMust ours k
      (Nothing, Just _) -> inMust theirs k
      _ -> False
    quoted = maybe "absent" (TE.decodeUtf8 . writeDoc . DStr)
    dedup (a : b : rest) | a == b = dedup (b : rest)
    dedup (a : rest) = a : dedup rest
    dedup [] = []

-- | Whether this side can call function (or subscribe to event) @name@ of @module@ on a peer whose
-- version of the module differs: Nothing when it can, else the error the call fails with.
verdict :: MemberKind -> Text -> Text -> Doc -> Doc -> Maybe InteropError
verdict kind modName name ours theirs =
  case (member group theirs >>= member name, member group ours >>= member name) of
    (Nothing, _) ->
      Just (interopError (if kind == FunctionMember then CodeUnimplemented else CodeNotFound)
        (what <> ": the peer's version of " <> modName <> " has no " <> word <> " " <> name))
    (_, Nothing) -> Just (interopError CodeSchemaMismatch (what <> ": not in this side's compatibility table"))
    (Just peer, Just mine) -> case firstDifference mine peer of
      Just d -> Just (mismatch what d)
      Nothing ->
        let theirUses = uses peer
            check t = case (member "types" ours >>= member t, member "types" theirs >>= member t) of
              (Just a, Just b) | t `elem` theirUses -> mismatch t <$> firstDifference a b
              _ -> Nothing
         in case [e | t <- sort (uses mine), Just e <- [check t]] of
              (e : _) -> Just e
              [] -> Nothing
  where
    group = if kind == FunctionMember then "functions" else "events"
    word = if kind == FunctionMember then "function" else "event"
    what = modName <> "." <> name
    mismatch decl d = interopError CodeSchemaMismatch (what <> ": incompatible with the peer's version: " <> decl <> " " <> d)
    uses e = [t | Just (DArr xs) <- [member "uses" e], DStr t <- xs]

-- | Why a handshake failed when the peer closed before sending a byte (docs/wire.md §2).
closedWithoutAnswer :: Text
closedWithoutAnswer =
  "the peer closed the connection without answering HELLO (so do a process that exited, a node out of file descriptors, and a server of another protocol such as TLS)"

-- | Nothing when the first bytes an initiator receives can start the answer to its HELLO (a
-- WELCOME or a connection-level ERROR, both JSON); else what the peer seems to be.
foreignPeer :: BS.ByteString -> Maybe Text
foreignPeer headBytes
  | BS.length headBytes >= 6 && (BS.index headBytes 4 == 2 || BS.index headBytes 4 == 5) && BS.index headBytes 5 == 1 = Nothing
  | otherwise = Just ("the peer does not speak the interop protocol: it answered " <> what)
  where
    bytes = BS.take 64 headBytes
    line = BC.takeWhile (\c -> c /= '\r' && c /= '\n') bytes
    printable = not (BS.null line) && BS.all (\b -> b >= 0x20 && b <= 0x7e) line
    text = TE.decodeUtf8 (writeDoc (DStr (TE.decodeUtf8 line)))
    what
      | printable && "\"HTTP/" `T.isPrefixOf` text = "like an HTTP server: " <> text
      | BS.length bytes >= 2 && (BS.index bytes 0 == 0x15 || BS.index bytes 0 == 0x16) && BS.index bytes 1 == 0x03 = "like a TLS server (interop connections are not TLS)"
      | printable = "with text: " <> text
      | otherwise = "with bytes " <> T.unwords [T.pack (pad (showHex (b .&. 0xff) "")) | b <- BS.unpack (BS.take 8 bytes)]
    pad s = if length s == 1 then '0' : s else s
