{-# LANGUAGE OverloadedStrings #-}
-- | Reading the test data files (test/vectors/*.json, test/conformance/cases.json) with the
-- runtime's own JSON parser, and hex.
module TestJson
  ( readJsonFile
  , field, fieldMaybe, str, int, list, bool
  , fromHex, toHex
  , repoPath
  ) where

import qualified Data.ByteString as BS
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import Interop.Runtime.Codec.Json
import Interop.Runtime.Codec.Scalars (jsonInteger)
import Numeric (readHex, showHex)
import System.Environment (lookupEnv)
import System.FilePath ((</>))

-- | A path in the repository: the tests run from runtime-haskell/ unless INTEROP_REPO says where.
repoPath :: FilePath -> IO FilePath
repoPath p = do
  root <- fromMaybe ".." <$> lookupEnv "INTEROP_REPO"
  pure (root </> p)

readJsonFile :: FilePath -> IO JValue
readJsonFile path = do
  bytes <- BS.readFile path
  either (fail . show) pure (parseJson 10000 bytes)

fieldMaybe :: Text -> JValue -> Maybe JValue
fieldMaybe k (JObject kvs) = lookup k kvs
fieldMaybe _ _ = Nothing

field :: Text -> JValue -> JValue
field k v = fromMaybe (error ("no field " <> T.unpack k)) (fieldMaybe k v)

str :: JValue -> Text
str (JString t) = t
str v = error ("not a string: " <> show v)

int :: JValue -> Integer
int (JNumber t) = either (error . show) id (jsonInteger (-(2 ^ (64 :: Int))) (2 ^ (64 :: Int)) "int" t)
int v = error ("not a number: " <> show v)

bool :: JValue -> Bool
bool (JBool b) = b
bool v = error ("not a bool: " <> show v)

list :: JValue -> [JValue]
list (JArray xs) = xs
list v = error ("not an array: " <> show v)

fromHex :: Text -> BS.ByteString
fromHex t = BS.pack (go (T.unpack t))
  where
    go (a : b : rest) = case readHex [a, b] of
      [(n, "")] -> n : go rest
      _ -> error ("bad hex " <> [a, b])
    go [] = []
    go _ = error "odd hex"

toHex :: BS.ByteString -> Text
toHex = T.pack . concatMap (\b -> let s = showHex b "" in if length s == 1 then '0' : s else s) . BS.unpack

