{-# LANGUAGE OverloadedStrings #-}
-- | A peer that speaks frames by hand over a socket, for tests of what a node does with input no
-- runtime would send: it writes exactly the bytes it is given and reads frames one by one.
module RawPeer
  ( RawPeer
  , rawDial
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

data RawPeer = RawPeer {rpTransport :: Transport, rpDecoder :: IORef Decoder, rpItems :: IORef [Either FrameError Frame]}

rawDial :: Text -> IO RawPeer
rawDial address = do
  a <- either (fail . show) pure (parseAddress address)
  t <- dial a
  RawPeer t <$> newIORef (newDecoder 16777216 1024) <*> newIORef []

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

rawClose :: RawPeer -> IO ()
rawClose = transportClose . rpTransport
