{-# LANGUAGE OverloadedStrings, PatternSynonyms #-}
-- | The typed errors of the runtime (docs/wire.md §4): an 'ErrorCode' from the table of §4.1 and
-- the 'InteropError' exception every call raises for anything that is not a declared error.
-- Declared errors (the schema's @error@ types) are their own exception types, generated.
module Interop.Runtime.Error
  ( ErrorCode (..)
  , pattern CodeCancelled, pattern CodeUnknown, pattern CodeInvalidArgument
  , pattern CodeDeadlineExceeded, pattern CodeNotFound, pattern CodePermissionDenied
  , pattern CodeResourceExhausted, pattern CodeUnimplemented, pattern CodeInternal
  , pattern CodeUnavailable, pattern CodeUnauthenticated, pattern CodeSchemaMismatch
  , pattern CodeApplicationError, pattern CodeProtocolError
  , errorCodeName, errorCodeFromName
  , InteropError (..)
  , invalid, exhausted, interopError
  ) where

import Control.Exception (Exception)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32)

-- | A code of docs/wire.md §4.1. A plain number underneath, so a newer peer's code survives.
newtype ErrorCode = ErrorCode Word32 deriving (Eq, Ord)

instance Show ErrorCode where
  show = T.unpack . errorCodeName

pattern CodeCancelled, CodeUnknown, CodeInvalidArgument, CodeDeadlineExceeded, CodeNotFound,
  CodePermissionDenied, CodeResourceExhausted, CodeUnimplemented, CodeInternal, CodeUnavailable,
  CodeUnauthenticated, CodeSchemaMismatch, CodeApplicationError, CodeProtocolError :: ErrorCode
pattern CodeCancelled = ErrorCode 1
pattern CodeUnknown = ErrorCode 2
pattern CodeInvalidArgument = ErrorCode 3
pattern CodeDeadlineExceeded = ErrorCode 4
pattern CodeNotFound = ErrorCode 5
pattern CodePermissionDenied = ErrorCode 7
pattern CodeResourceExhausted = ErrorCode 8
pattern CodeUnimplemented = ErrorCode 12
pattern CodeInternal = ErrorCode 13
pattern CodeUnavailable = ErrorCode 14
pattern CodeUnauthenticated = ErrorCode 16
pattern CodeSchemaMismatch = ErrorCode 100
pattern CodeApplicationError = ErrorCode 101
pattern CodeProtocolError = ErrorCode 102

codeNames :: [(Word32, Text)]
codeNames =
  [ (1, "CANCELLED"), (2, "UNKNOWN"), (3, "INVALID_ARGUMENT"), (4, "DEADLINE_EXCEEDED")
  , (5, "NOT_FOUND"), (7, "PERMISSION_DENIED"), (8, "RESOURCE_EXHAUSTED"), (12, "UNIMPLEMENTED")
  , (13, "INTERNAL"), (14, "UNAVAILABLE"), (16, "UNAUTHENTICATED"), (100, "SCHEMA_MISMATCH")
  , (101, "APPLICATION_ERROR"), (102, "PROTOCOL_ERROR") ]

-- | The table name of a code (@NOT_FOUND@), or @CODE_<n>@ for a code this runtime does not know.
errorCodeName :: ErrorCode -> Text
errorCodeName (ErrorCode n) = maybe ("CODE_" <> T.pack (show n)) id (lookup n codeNames)

errorCodeFromName :: Text -> Maybe ErrorCode
errorCodeFromName name = ErrorCode . fst <$> lookupBy name
  where lookupBy t = case filter ((== t) . snd) codeNames of
          (x : _) -> Just x
          [] -> Nothing

-- | Every error the runtime raises or receives that is not a declared error type: a code and a
-- message for people. A declared error whose type the caller does not know also arrives as one
-- (code 'CodeApplicationError', the message prefixed with the error's qualified type name).
data InteropError = InteropError { errorCode :: !ErrorCode, errorMessage :: !Text }
  deriving (Eq)

instance Show InteropError where
  show (InteropError c m) = T.unpack (errorCodeName c) <> ": " <> T.unpack m

instance Exception InteropError

interopError :: ErrorCode -> Text -> InteropError
interopError = InteropError

-- | What every decoder fails with for input that does not fit the schema.
invalid :: Text -> InteropError
invalid = InteropError CodeInvalidArgument

-- | What a decoder fails with past a limit (depth, a count larger than the bytes left).
exhausted :: Text -> InteropError
exhausted = InteropError CodeResourceExhausted
