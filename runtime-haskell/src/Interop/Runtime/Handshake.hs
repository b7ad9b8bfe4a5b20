{-# LANGUAGE OverloadedStrings #-}
-- | HELLO / WELCOME (docs/wire.md §2): canonical JSON documents, and the checks both sides run on
-- them before any call is made.
module Interop.Runtime.Handshake
  ( HelloDoc (..)
  , WelcomeDoc (..)
  , protocolVersions
  , controlModule
  , encodeHello
  , encodeWelcome
  , decodeHello
  , decodeWelcome
  , chooseProtocol
  , checkWants
  ) where

import qualified Data.ByteString as BS
import Data.Maybe (isJust, mapMaybe)
import Data.Text (Text)
import Interop.Runtime.Codec (Codec, codecFromName, codecName)
import Interop.Runtime.Compat (checkTable)
import Interop.Runtime.Error
import Interop.Runtime.PlainJson

protocolVersions :: [Integer]
protocolVersions = [1]

-- | The reserved control module needs no fingerprint and is always offered (docs/wire.md §7).
controlModule :: Text
controlModule = "interop.control"

data HelloDoc = HelloDoc
  { helloCodecs :: ![Codec]
  , helloCompat :: ![(Text, Doc)] -- ^ module → compatibility table (docs/wire.md §2.1)
  , helloNode :: !Text
  , helloOffers :: ![(Text, Text)]
  , helloProtocol :: ![Integer]
  , helloWants :: ![(Text, Text)]
  , helloToken :: !(Maybe Text)
  }
  deriving (Eq, Show)

data WelcomeDoc = WelcomeDoc
  { welcomeCodecs :: ![Codec]
  , welcomeCompat :: ![(Text, Doc)]
  , welcomeNode :: !Text
  , welcomeOffers :: ![(Text, Text)]
  , welcomeProtocol :: !Integer
  , welcomeWants :: ![(Text, Text)]
  }
  deriving (Eq, Show)

fingerprints :: [(Text, Text)] -> Doc
fingerprints kvs = DObj [(k, DStr v) | (k, v) <- kvs]

codecList :: [Codec] -> Doc
codecList = DArr . map (DStr . codecName)

encodeHello :: HelloDoc -> BS.ByteString
encodeHello h =
  writeDoc . DObj $
    [ ("codecs", codecList (helloCodecs h)), ("compat", DObj (helloCompat h)), ("node", DStr (helloNode h)), ("offers", fingerprints (helloOffers h))
    , ("protocol", DArr (map DInt (helloProtocol h))), ("wants", fingerprints (helloWants h)) ]
      <> maybe [] (\t -> [("token", DStr t)]) (helloToken h)

encodeWelcome :: WelcomeDoc -> BS.ByteString
encodeWelcome w =
  writeDoc $
    DObj
      [ ("codecs", codecList (welcomeCodecs w)), ("compat", DObj (welcomeCompat w)), ("node", DStr (welcomeNode w)), ("offers", fingerprints (welcomeOffers w))
      , ("protocol", DInt (welcomeProtocol w)), ("wants", fingerprints (welcomeWants w)) ]

protocolError :: Text -> InteropError
protocolError = interopError CodeProtocolError

object :: Text -> BS.ByteString -> Either InteropError Doc
object what bytes = case parseDoc bytes of
  Right d@(DObj _) -> Right d
  Right _ -> Left (protocolError (what <> ": payload is not a JSON object"))
  Left _ -> Left (protocolError (what <> ": payload is not JSON"))

stringMap :: Text -> Maybe Doc -> Either InteropError [(Text, Text)]
stringMap what v = case v of
  Nothing -> Right []
  Just DNull -> Right []
  Just (DObj kvs) | Just out <- traverse (\(k, x) -> case x of DStr s -> Just (k, s); _ -> Nothing) kvs -> Right out
  _ -> Left (protocolError (what <> ": expected an object of fingerprint strings"))

-- Names this runtime does not know are ignored: a newer peer may list more codecs.
codecs :: Text -> Maybe Doc -> Either InteropError [Codec]
codecs what v = case v of
  Just (DArr xs) -> Right (mapMaybe (\x -> case x of DStr s -> codecFromName s; _ -> Nothing) xs)
  _ -> Left (protocolError (what <> ": expected an array of codec names"))

integer :: Doc -> Maybe Integer
integer d = case d of
  DInt n -> Just n
  DNumber t | BS.all (\c -> c >= 48 && c <= 57) (BS.dropWhile (== 45) t), not (BS.null t) -> Just (read (map (toEnum . fromIntegral) (BS.unpack t)))
  _ -> Nothing

nodeName :: Maybe Doc -> Text
nodeName (Just (DStr s)) = s
nodeName _ = ""

decodeHello :: BS.ByteString -> Either InteropError HelloDoc
decodeHello bytes = do
  o <- object "HELLO" bytes
  protocol <- case member "protocol" o of
    Just (DArr xs) | Just ns <- traverse integer xs -> Right ns
    _ -> Left (protocolError "HELLO.protocol: expected an array of integers")
  token <- case member "token" o of
    Nothing -> Right Nothing
    Just DNull -> Right Nothing
    Just (DStr t) -> Right (Just t)
    _ -> Left (protocolError "HELLO.token: expected a string")
  cs <- codecs "HELLO.codecs" (member "codecs" o)
  offers <- stringMap "HELLO.offers" (member "offers" o)
  wants <- stringMap "HELLO.wants" (member "wants" o)
  compat <- tables "HELLO.compat" (member "compat" o)
  pure (HelloDoc cs compat (nodeName (member "node" o)) offers protocol wants token)

decodeWelcome :: BS.ByteString -> Either InteropError WelcomeDoc
decodeWelcome bytes = do
  o <- object "WELCOME" bytes
  protocol <- maybe (Left (protocolError "WELCOME.protocol: expected an integer")) Right (member "protocol" o >>= integer)
  cs <- codecs "WELCOME.codecs" (member "codecs" o)
  offers <- stringMap "WELCOME.offers" (member "offers" o)
  wants <- stringMap "WELCOME.wants" (member "wants" o)
  compat <- tables "WELCOME.compat" (member "compat" o)
  pure (WelcomeDoc cs compat (nodeName (member "node" o)) offers protocol wants)

-- | @compat@: an object of well-formed tables (absent reads as none, from an older peer).
tables :: Text -> Maybe Doc -> Either InteropError [(Text, Doc)]
tables what v = case v of
  Nothing -> Right []
  Just (DObj kvs) -> mapM (\(k, t) -> (,) k <$> checkTable (what <> "." <> k) t) kvs
  Just _ -> Left (protocolError (what <> ": expected an object of compatibility tables"))

-- | The highest version both sides speak.
chooseProtocol :: [Integer] -> Maybe Integer
chooseProtocol offered = case filter (`elem` protocolVersions) offered of
  [] -> Nothing
  common -> Just (maximum common)

-- | A peer's @wants@ against our @offers@: a wanted module not offered at all is NOT_FOUND. One
-- offered with another fingerprint is not refused: each call is judged on its own (§2.2).
-- @controlOnly@: this is a control endpoint, which says so.
checkWants :: Bool -> [(Text, Text)] -> [(Text, Text)] -> Maybe InteropError
checkWants controlOnly wants offers = case mapMaybe problem wants of
  (e : _) -> Just e
  [] -> Nothing
  where
    problem (name, _)
      | name == controlModule || isJust (lookup name offers) = Nothing
      | controlOnly =
          Just (interopError CodeNotFound ("module " <> name <> " is not offered on this connection: this is a control endpoint, which serves only interop.control (manifest, health); call the node at one of its data endpoints (the \"listen\" addresses of its config)"))
      | otherwise = Just (interopError CodeNotFound ("module " <> name <> " is not offered on this connection"))

