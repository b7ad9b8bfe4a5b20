{-# LANGUAGE BangPatterns, OverloadedStrings #-}
-- | JSON payloads (docs/wire.md §3.1): 'parseJson' reads a payload into a 'JValue' tree, checking
-- everything that holds for any value whatever the schema says: valid JSON and UTF-8, nesting
-- within @max_depth@ (the outermost container is level 1), no object holding a key twice (keys
-- compared after unescaping), one value filling the whole payload. Generated decoders then read
-- the tree by the schema. Numbers keep their text, so 64-bit integers stay exact.
module Interop.Runtime.Codec.Json
  ( JValue (..)
  , parseJson
  , jsonKind
  ) where

import Data.Bits (shiftL)
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Lazy as BL
import qualified Data.ByteString.Unsafe as BU
import qualified Data.Set as Set
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word8)
import Interop.Runtime.Error

-- | A parsed JSON value. Object entries keep the order they came in; none repeats a key.
data JValue
  = JNull
  | JBool !Bool
  | JNumber !BS.ByteString -- ^ the number's text, as it was written (valid JSON number syntax)
  | JString !Text
  | JArray ![JValue]
  | JObject ![(Text, JValue)]
  deriving (Eq, Show)

-- | What a value is, for error messages.
jsonKind :: JValue -> Text
jsonKind v = case v of
  JNull -> "null"
  JBool _ -> "a boolean"
  JNumber _ -> "a number"
  JString _ -> "a string"
  JArray _ -> "an array"
  JObject _ -> "an object"

type P a = Int -> Either InteropError (a, Int)

-- | Parses one JSON payload with the given @max_depth@.
parseJson :: Int -> BS.ByteString -> Either InteropError JValue
parseJson maxDepth input = do
  let start = skipWs input 0
  if start >= BS.length input then Left (invalid "a JSON value is expected, the payload is empty") else Right ()
  (v, end) <- value 0 start
  let end' = skipWs input end
  if end' /= BS.length input
    then Left (invalid ("bytes left after the JSON value at offset " <> showT end'))
    else Right v
  where
    len = BS.length input
    at i = BU.unsafeIndex input i
    bad i what = Left (invalid (what <> " at offset " <> showT i))

    value :: Int -> P JValue
    value depth i
      | i >= len = bad i "JSON value expected"
      | otherwise = case at i of
          123 -> object (depth + 1) (i + 1)
          91 -> array (depth + 1) (i + 1)
          34 -> do
            (s, j) <- string (i + 1)
            Right (JString s, j)
          116 -> literal i "true" (JBool True)
          102 -> literal i "false" (JBool False)
          110 -> literal i "null" JNull
          c | c == 45 || isDigit c -> number i
          _ -> bad i "unexpected character in JSON"

    literal i word v
      | BS.take (BS.length word) (BS.drop i input) == word = Right (v, i + BS.length word)
      | otherwise = bad i "invalid JSON literal"

    checkDepth depth i
      | depth > maxDepth = Left (exhausted ("JSON nesting deeper than max_depth " <> showT maxDepth <> " at offset " <> showT i))
      | otherwise = Right ()

    array depth i0 = do
      checkDepth depth i0
      let i = skipWs input i0
      if i < len && at i == 93
        then Right (JArray [], i + 1)
        else items [] i
      where
        items acc i = do
          (v, j) <- value depth (skipWs input i)
          let k = skipWs input j
          if k < len && at k == 44
            then items (v : acc) (k + 1)
            else
              if k < len && at k == 93
                then Right (JArray (reverse (v : acc)), k + 1)
                else bad k "expected ',' or ']' in a JSON array"

    object depth i0 = do
      checkDepth depth i0
      let i = skipWs input i0
      if i < len && at i == 125
        then Right (JObject [], i + 1)
        else members [] (0 :: Int) i
      where
        members acc !n i = do
          let k0 = skipWs input i
          if k0 < len && at k0 == 34 then Right () else bad k0 "expected a string key in a JSON object"
          (key, j) <- string (k0 + 1)
          let c = skipWs input j
          if c < len && at c == 58 then Right () else bad c "expected ':' in a JSON object"
          (v, e) <- value depth (skipWs input (c + 1))
          let k = skipWs input e
              acc' = (key, v) : acc
          if k < len && at k == 44
            then members acc' (n + 1) (k + 1)
            else
              if k < len && at k == 125
                then do
                  let entries = reverse acc'
                  if hasDuplicate (map fst entries)
                    then bad k0 "a JSON object holds the same key twice"
                    else Right (JObject entries, k + 1)
                else bad k "expected ',' or '}' in a JSON object"

    number i0 = do
      let i1 = if at i0 == 45 then i0 + 1 else i0
      i2 <-
        if i1 < len && at i1 == 48
          then Right (i1 + 1)
          else if i1 < len && isDigit (at i1) then Right (digits i1) else bad i1 "invalid JSON number"
      i3 <-
        if i2 < len && at i2 == 46
          then if i2 + 1 < len && isDigit (at (i2 + 1)) then Right (digits (i2 + 1)) else bad i2 "invalid JSON number"
          else Right i2
      i4 <-
        if i3 < len && (at i3 == 101 || at i3 == 69)
          then do
            let s = if i3 + 1 < len && (at (i3 + 1) == 43 || at (i3 + 1) == 45) then i3 + 2 else i3 + 1
            if s < len && isDigit (at s) then Right (digits s) else bad i3 "invalid JSON number"
          else Right i3
      Right (JNumber (BS.take (i4 - i0) (BS.drop i0 input)), i4)

    digits i = if i < len && isDigit (at i) then digits (i + 1) else i

    -- A string after its opening quote: the text and the offset after the closing quote. Raw
    -- bytes must be valid UTF-8 and no control character; escapes are decoded, a lone surrogate
    -- escape becoming U+FFFD (a string of the wire never holds one).
    string :: P Text
    string i0 = plain i0
      where
        plain i
          | i >= len = bad i0 "unterminated JSON string"
          | otherwise = case at i of
              34 -> do
                t <- utf8 (BS.take (i - i0) (BS.drop i0 input))
                Right (t, i + 1)
              92 -> escaped (B.byteString (BS.take (i - i0) (BS.drop i0 input))) i
              c | c < 0x20 -> bad i "control character in a JSON string"
              _ -> plain (i + 1)
        escaped !acc i
          | i >= len = bad i0 "unterminated JSON string"
          | otherwise = case at i of
              34 -> do
                t <- utf8 (BL.toStrict (B.toLazyByteString acc))
                Right (t, i + 1)
              92 -> do
                (b, j) <- escape (i + 1)
                escaped (acc <> b) j
              c | c < 0x20 -> bad i "control character in a JSON string"
              _ -> let j = runEnd (i + 1) in escaped (acc <> B.byteString (BS.take (j - i) (BS.drop i input))) j
        runEnd j = if j < len && at j /= 34 && at j /= 92 && at j >= 0x20 then runEnd (j + 1) else j
        escape i
          | i >= len = bad i "unterminated JSON escape"
          | otherwise = case at i of
              34 -> Right (B.word8 34, i + 1)
              92 -> Right (B.word8 92, i + 1)
              47 -> Right (B.word8 47, i + 1)
              98 -> Right (B.word8 8, i + 1)
              102 -> Right (B.word8 12, i + 1)
              110 -> Right (B.word8 10, i + 1)
              114 -> Right (B.word8 13, i + 1)
              116 -> Right (B.word8 9, i + 1)
              117 -> do
                u <- hex4 (i + 1)
                if u >= 0xD800 && u < 0xDC00
                  then
                    if i + 10 < len && at (i + 5) == 92 && at (i + 6) == 117
                      then do
                        lo <- hex4 (i + 7)
                        if lo >= 0xDC00 && lo < 0xE000
                          then Right (codePoint (0x10000 + ((u - 0xD800) `shiftL` 10) + (lo - 0xDC00)), i + 11)
                          else Right (codePoint 0xFFFD, i + 5)
                      else Right (codePoint 0xFFFD, i + 5)
                  else
                    if u >= 0xDC00 && u < 0xE000
                      then Right (codePoint 0xFFFD, i + 5)
                      else Right (codePoint u, i + 5)
              _ -> bad i "invalid JSON escape"
        hex4 i
          | i + 4 > len = bad i "truncated \\u escape"
          | otherwise = go 0 i
          where
            go !acc j
              | j == i + 4 = Right acc
              | otherwise = case hexValue (at j) of
                  Just h -> go (acc * 16 + h) (j + 1)
                  Nothing -> bad j "invalid \\u escape"

    utf8 bytes = case TE.decodeUtf8' bytes of
      Right t -> Right t
      Left _ -> Left (invalid "a JSON string is not valid UTF-8")

codePoint :: Int -> B.Builder
codePoint = B.charUtf8 . toEnum

hexValue :: Word8 -> Maybe Int
hexValue c
  | c >= 48 && c <= 57 = Just (fromIntegral c - 48)
  | c >= 97 && c <= 102 = Just (fromIntegral c - 87)
  | c >= 65 && c <= 70 = Just (fromIntegral c - 55)
  | otherwise = Nothing

isDigit :: Word8 -> Bool
isDigit c = c >= 48 && c <= 57

skipWs :: BS.ByteString -> Int -> Int
skipWs s = go
  where
    n = BS.length s
    go i
      | i < n, c <- BU.unsafeIndex s i, c == 32 || c == 9 || c == 10 || c == 13 = go (i + 1)
      | otherwise = i

-- Small objects (structs) compare pairwise; larger ones (maps) go through a set.
hasDuplicate :: [Text] -> Bool
hasDuplicate keys
  | length keys <= 8 = pairwise keys
  | otherwise = Set.size (Set.fromList keys) /= length keys
  where
    pairwise (k : rest) = k `elem` rest || pairwise rest
    pairwise [] = False

showT :: Show a => a -> Text
showT = T.pack . show

