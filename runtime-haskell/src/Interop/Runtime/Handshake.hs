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
import Data.Maybe (mapMaybe)
import Data.Text (Text)
import Interop.Runtime.Codec (Codec, codecFromName, codecName)
import Interop.Runtime.Error
import Interop.Runtime.PlainJson

protocolVersions :: [Integer]
protocolVersions = [1]

-- | The reserved control module needs no fingerprint and is always offered (docs/wire.md §7).
controlModule :: Text
controlModule = "interop.control"

data HelloDoc = HelloDoc
  { helloCodecs :: ![Codec]
  , helloNode :: !Text
  , helloOffers :: ![(Text, Text)]
  , helloProtocol :: ![Integer]
  , helloWants :: ![(Text, Text)]
  , helloToken :: !(Maybe Text)
  }
  deriving (Eq, Show)

data WelcomeDoc = WelcomeDoc
  { welcomeCodecs :: ![Codec]
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
    [ ("codecs", codecList (helloCodecs h)), ("node", DStr (helloNode h)), ("offers", fingerprints (helloOffers h))
    , ("protocol", DArr (map DInt (helloProtocol h))), ("wants", fingerprints (helloWants h)) ]
      <> maybe [] (\t -> [("token", DStr t)]) (helloToken h)

encodeWelcome :: WelcomeDoc -> BS.ByteString
encodeWelcome w =
  writeDoc $
    DObj
      [ ("codecs", codecList (welcomeCodecs w)), ("node", DStr (welcomeNode w)), ("offers", fingerprints (welcomeOffers w))
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
  pure (HelloDoc cs (nodeName (member "node" o)) offers protocol wants token)

decodeWelcome :: BS.ByteString -> Either InteropError WelcomeDoc
decodeWelcome bytes = do
  o <- object "WELCOME" bytes
  protocol <- maybe (Left (protocolError "WELCOME.protocol: expected an integer")) Right (member "protocol" o >>= integer)
  cs <- codecs "WELCOME.codecs" (member "codecs" o)
  offers <- stringMap "WELCOME.offers" (member "offers" o)
  wants <- stringMap "WELCOME.wants" (member "wants" o)
  pure (WelcomeDoc cs (nodeName (member "node" o)) offers protocol wants)

-- | The highest version both sides speak.
chooseProtocol :: [Integer] -> Maybe Integer
chooseProtocol offered = case filter (`elem` protocolVersions) offered of
  [] -> Nothing
  common -> Just (maximum common)

-- | A peer's @wants@ against our @offers@: the first problem, as the error to send.
checkWants :: [(Text, Text)] -> [(Text, Text)] -> Maybe InteropError
checkWants wants offers = case mapMaybe problem wants of
  (e : _) -> Just e
  [] -> Nothing
  where
    problem (name, fingerprint)
      | name == controlModule = Nothing
      | otherwise = case lookup name offers of
          Nothing -> Just (interopError CodeNotFound ("module " <> name <> " is not offered on this connection"))
          Just ours
            | ours /= fingerprint ->
                Just (interopError CodeSchemaMismatch ("module " <> name <> ": caller was generated from " <> fingerprint <> ", server has " <> ours))
            | otherwise -> Nothing

