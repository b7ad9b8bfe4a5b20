{-# LANGUAGE OverloadedStrings #-}
-- | A peer that speaks frames by hand over a socket, for tests of what a node does with input no
-- runtime would send: it writes exactly the bytes it is given and reads frames one by one. It
-- dials a node ('rawDial'), or listens for one ('rawServe') to test what a client does.
module RawPeer
  ( RawPeer
  , rawDial
  , rawServe
  , rawWelcome
  , rawWelcomeWith
  , rawSend
  , rawSendFrame
  , rawNext
  , rawHello
  , rawClose
  , Next (..)
  ) where

import qualified Data.ByteString as BS
import Data.IORef
import Data.Text (Text)
import Interop.Runtime.Codec (Codec (..))
import Interop.Runtime.Frame
import Interop.Runtime.Handshake
import Interop.Runtime.Transport
import System.Timeout (timeout)
import Control.Exception (bracket)

data RawPeer = RawPeer {rpTransport :: Transport, rpDecoder :: IORef Decoder, rpItems :: IORef [Either FrameError Frame]}

rawDial :: Text -> IO RawPeer
rawDial address = do
  a <- either (fail . show) pure (parseAddress address)
  dial a >>= rawPeerOf

rawPeerOf :: Transport -> IO RawPeer
rawPeerOf t = RawPeer t <$> newIORef (newDecoder 16777216 1024) <*> newIORef []

-- | Listens at @address@ while @body@ runs; each connection is handed to @serve@ in a thread of
-- its own and closed when @serve@ returns.
rawServe :: Text -> (RawPeer -> IO ()) -> IO a -> IO a
rawServe address serve body = do
  a <- either (fail . show) pure (parseAddress address)
  bracket (listenOn a (\t -> rawPeerOf t >>= \p -> serve p >> rawClose p)) listenerClose (const body)

rawSend :: RawPeer -> BS.ByteString -> IO ()
rawSend p b = transportSend (rpTransport p) [b]

rawSendFrame :: RawPeer -> Frame -> IO ()
rawSendFrame p = rawSend p . encodeFrame

data Next = Got Frame | Bad FrameError | Ended | TimedOut
  deriving (Eq, Show)

-- | The next frame (or frame error) within @ms@, or that the stream ended, or that nothing came.
rawNext :: RawPeer -> Int -> IO Next
rawNext p ms = do
  items <- readIORef (rpItems p)
  case items of
    (x : rest) -> writeIORef (rpItems p) rest >> pure (either Bad Got x)
    [] -> do
      chunk <- timeout (ms * 1000) (transportRecv (rpTransport p))
      case chunk of
        Nothing -> pure TimedOut
        Just bytes
          | BS.null bytes -> pure Ended
          | otherwise -> do
              d <- readIORef (rpDecoder p)
              let (d', out) = pushBytes d bytes
              writeIORef (rpDecoder p) d'
              writeIORef (rpItems p) out
              rawNext p ms

-- | HELLO wanting @wants@ (module, fingerprint), then the WELCOME or ERROR that answers it.
rawHello :: RawPeer -> [(Text, Text)] -> Maybe Text -> IO (Maybe Frame)
rawHello p wants token = do
  rawSendFrame p (frame Hello) {frameCodec = 1, framePayload = encodeHello (HelloDoc [CodecJson, CodecMsgpack] [] "raw-peer" [] [1] wants token)}
  r <- rawNext p 5000
  pure (case r of Got f -> Just f; _ -> Nothing)

-- | Reads the HELLO and answers WELCOME offering @offers@ (module, fingerprint) in json; the HELLO.
rawWelcome :: RawPeer -> [(Text, Text)] -> IO (Maybe Frame)
rawWelcome p = rawWelcomeWith p [CodecJson]

-- | 'rawWelcome' listing @codecs@.
rawWelcomeWith :: RawPeer -> [Codec] -> [(Text, Text)] -> IO (Maybe Frame)
rawWelcomeWith p codecs offers = do
  r <- rawNext p 5000
  case r of
    Got hello | frameKind hello == Hello -> do
      rawSendFrame p (frame Welcome) {frameCodec = 1, framePayload = encodeWelcome (WelcomeDoc codecs [] "raw-server" offers 1 [])}
      pure (Just hello)
    _ -> pure Nothing

rawClose :: RawPeer -> IO ()
rawClose = transportClose . rpTransport
