{-# LANGUAGE BangPatterns, OverloadedStrings, PatternSynonyms #-}
-- | Frames (docs/wire.md §1): a u32 length, a 14-byte fixed header, the target, the payload, all
-- little-endian. 'pushBytes' buffers a byte stream and yields a frame only once all its bytes
-- have arrived; a declared length is checked against @max_frame_bytes@ as soon as its 4 bytes
-- are in, and is never used to allocate before the bytes are there.
module Interop.Runtime.Frame
  ( Frame (..)
  , FrameKind (..)
  , pattern Hello, pattern Welcome, pattern Request, pattern Response, pattern ErrorFrame
  , pattern Oneway, pattern Event, pattern Subscribe, pattern Unsubscribe, pattern Cancel
  , pattern Ping, pattern Pong, pattern Goodbye, pattern StreamItem, pattern StreamEnd, pattern StreamCredit
  , flagCallee, flagStreamIn, flagStreamOut
  , kindName
  , frame
  , encodeFrameHead
  , encodeFrame
  , splitTarget
    -- * Decoding a stream
  , FrameError (..)
  , Decoder
  , newDecoder
  , pushBytes
  , endOfStream
  , decoderFailed
  , bufferedBytes
  ) where

import Data.Bits (shiftL, (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Unsafe as BU
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word16, Word32, Word8)
import Interop.Runtime.Codec (buildStrict, codecFromNumber)
import Interop.Runtime.Error

newtype FrameKind = FrameKind Word8 deriving (Eq, Ord)

instance Show FrameKind where
  show = T.unpack . kindName

pattern Hello, Welcome, Request, Response, ErrorFrame, Oneway, Event, Subscribe, Unsubscribe,
  Cancel, Ping, Pong, Goodbye, StreamItem, StreamEnd, StreamCredit :: FrameKind
pattern Hello = FrameKind 1
pattern Welcome = FrameKind 2
pattern Request = FrameKind 3
pattern Response = FrameKind 4
pattern ErrorFrame = FrameKind 5
pattern Oneway = FrameKind 6
pattern Event = FrameKind 7
pattern Subscribe = FrameKind 8
pattern Unsubscribe = FrameKind 9
pattern Cancel = FrameKind 10
pattern Ping = FrameKind 11
pattern Pong = FrameKind 12
pattern Goodbye = FrameKind 13
pattern StreamItem = FrameKind 14
pattern StreamEnd = FrameKind 15
pattern StreamCredit = FrameKind 16

-- | Flags (docs/wire.md §1.3): CALLEE on STREAM_ITEM and STREAM_CREDIT sent by the callee;
-- STREAM_IN and STREAM_OUT on the REQUEST of a function with a client / server stream.
flagCallee, flagStreamIn, flagStreamOut :: Word16
flagCallee = 0x0001
flagStreamIn = 0x0002
flagStreamOut = 0x0004

kindName :: FrameKind -> Text
kindName (FrameKind k) = case k of
  1 -> "HELLO"
  2 -> "WELCOME"
  3 -> "REQUEST"
  4 -> "RESPONSE"
  5 -> "ERROR"
  6 -> "ONEWAY"
  7 -> "EVENT"
  8 -> "SUBSCRIBE"
  9 -> "UNSUBSCRIBE"
  10 -> "CANCEL"
  11 -> "PING"
  12 -> "PONG"
  13 -> "GOODBYE"
  14 -> "STREAM_ITEM"
  15 -> "STREAM_END"
  16 -> "STREAM_CREDIT"
  _ -> "KIND_" <> T.pack (show k)

data Frame = Frame
  { frameKind :: !FrameKind
  , frameCodec :: !Word8 -- ^ docs/wire.md §1.2: 0 none, 1 json, 2 msgpack
  , frameFlags :: !Word16
  , frameCorrelation :: !Word32
  , frameTimeout :: !Word32 -- ^ REQUEST only: the caller's remaining deadline, 0 = none
  , frameTarget :: !Text
  , framePayload :: !BS.ByteString
  }
  deriving (Eq, Show)

-- | A frame of a kind with everything else empty.
frame :: FrameKind -> Frame
frame k = Frame k 0 0 0 0 T.empty BS.empty

lengthBytes, fixedHeaderBytes :: Int
lengthBytes = 4
fixedHeaderBytes = 14

-- | The header and target of a frame whose payload has the given size (sent apart from a large
-- payload, so that it is never copied).
encodeFrameHead :: Frame -> Int -> BS.ByteString
encodeFrameHead f payloadBytes =
  let target = TE.encodeUtf8 (frameTarget f)
      FrameKind k = frameKind f
      len = fixedHeaderBytes + BS.length target + payloadBytes
   in buildStrict $
        B.word32LE (fromIntegral len) <> B.word8 k <> B.word8 (frameCodec f) <> B.word16LE (frameFlags f)
          <> B.word32LE (frameCorrelation f) <> B.word32LE (frameTimeout f)
          <> B.word16LE (fromIntegral (BS.length target)) <> B.byteString target

encodeFrame :: Frame -> BS.ByteString
encodeFrame f = encodeFrameHead f (BS.length (framePayload f)) <> framePayload f

-- | Module before the last dot, member after it (docs/wire.md §1).
splitTarget :: Text -> Maybe (Text, Text)
splitTarget t =
  let (modulePart, member) = T.breakOnEnd "." t
   in if T.length modulePart < 2 || T.null member then Nothing else Just (T.init modulePart, member)

-- | A malformed frame. A fatal error means the stream can no longer be delimited: the receiver
-- sends one connection-level ERROR and closes. Other errors concern one complete frame, which
-- is answered on its correlation id (unless it is an answer itself), and the connection goes on.
data FrameError = FrameError
  { feError :: !InteropError
  , feFatal :: !Bool
  , feCorrelation :: !Word32
  , feKind :: !Word8
  , feCodec :: !Word8
  , feTarget :: !Text
  , feFlags :: !Word16
  }
  deriving (Eq, Show)

-- | The bytes of a frame not yet complete are held as the chunks they came in (newest first),
-- joined only once the frame they start is complete: a 16 MiB frame arriving in small chunks is
-- copied once, not once per chunk.
data Decoder = Decoder
  { decMaxFrame :: !Int
  , decMaxTarget :: !Int
  , decHeld :: ![BS.ByteString]
  , decHeldBytes :: !Int
  , decNeed :: !Int -- ^ bytes needed before anything more can be decoded
  , decFailed :: !Bool
  }

newDecoder :: Int -> Int -> Decoder
newDecoder maxFrame maxTarget = Decoder maxFrame maxTarget [] 0 lengthBytes False

decoderFailed :: Decoder -> Bool
decoderFailed = decFailed

bufferedBytes :: Decoder -> Int
bufferedBytes = decHeldBytes

-- | Adds bytes and returns every item now complete, in order. After a fatal error the decoder
-- returns it once and ignores all later input.
pushBytes :: Decoder -> BS.ByteString -> (Decoder, [Either FrameError Frame])
pushBytes d chunk
  | decFailed d || BS.null chunk = (d, [])
  | total < decNeed d = (d {decHeld = chunk : decHeld d, decHeldBytes = total}, [])
  | otherwise = go (BS.concat (reverse (chunk : decHeld d))) []
  where
    total = decHeldBytes d + BS.length chunk
    go !buf acc = case next d buf of
      Incomplete ->
        -- Keep the rest on its own, not as a slice pinning the whole buffer.
        let rest = if BS.length buf < total then BS.copy buf else buf
         in (d {decHeld = [rest | not (BS.null rest)], decHeldBytes = BS.length rest, decNeed = need buf}, reverse acc)
      Fatal e -> (d {decHeld = [], decHeldBytes = 0, decFailed = True}, reverse (Left e : acc))
      Item item rest -> go rest (item : acc)
    need buf
      | BS.length buf < lengthBytes = lengthBytes
      | otherwise = lengthBytes + fromIntegral (u32At buf 0)

-- | At end of stream: a frame cut short, when bytes are left over (the decoder then fails).
endOfStream :: Decoder -> (Decoder, Maybe FrameError)
endOfStream d
  | decFailed d || decHeldBytes d == 0 = (d, Nothing)
  | otherwise =
      ( d {decHeld = [], decHeldBytes = 0, decFailed = True}
      , Just (fatal (interopError CodeProtocolError ("stream ended inside a frame (" <> showT (decHeldBytes d) <> " bytes left)")) 0 0 0) )

u32At :: BS.ByteString -> Int -> Word32
u32At buf i =
  let byte j = fromIntegral (BU.unsafeIndex buf (i + j)) :: Word32
   in byte 0 .|. (byte 1 `shiftL` 8) .|. (byte 2 `shiftL` 16) .|. (byte 3 `shiftL` 24)

data Step = Incomplete | Fatal FrameError | Item (Either FrameError Frame) BS.ByteString

fatal :: InteropError -> Word32 -> Word8 -> Word8 -> FrameError
fatal e c k co = FrameError e True c k co T.empty 0

next :: Decoder -> BS.ByteString -> Step
next d buf
  | available < lengthBytes = Incomplete
  | len < fixedHeaderBytes = Fatal (fatal (interopError CodeProtocolError ("frame length " <> showT len <> " is below the 14-byte header")) 0 0 0)
  | len > decMaxFrame d = Fatal (fatal (exhausted ("frame length " <> showT len <> " exceeds max_frame_bytes " <> showT (decMaxFrame d))) 0 0 0)
  | available < lengthBytes + fixedHeaderBytes = Incomplete
  | targetLen > len - fixedHeaderBytes =
      Fatal (fatal (interopError CodeProtocolError ("target_len " <> showT targetLen <> " runs past frame length " <> showT len)) correlation kind codec)
  | available < lengthBytes + len = Incomplete
  | otherwise =
      let rest = BU.unsafeDrop (lengthBytes + len) buf
          answer e = Item (Left (FrameError e False correlation kind codec T.empty flags)) rest
          targetBytes = BU.unsafeTake targetLen (BU.unsafeDrop 18 buf)
       in if targetLen > decMaxTarget d
            then answer (exhausted ("target_len " <> showT targetLen <> " exceeds max_target_bytes " <> showT (decMaxTarget d)))
            else case TE.decodeUtf8' targetBytes of
              Left _ -> answer (interopError CodeProtocolError "frame target is not valid UTF-8")
              Right target
                | kind < 1 || kind > 16 ->
                    Item (Left (FrameError (interopError CodeProtocolError ("unknown frame kind " <> showT kind)) False correlation kind codec target flags)) rest
                | codec /= 0, Nothing <- codecFromNumber codec ->
                    Item (Left (FrameError (interopError CodeProtocolError ("unknown or unsupported codec " <> showT codec)) False correlation kind codec target flags)) rest
                | otherwise ->
                    let payload = BU.unsafeTake (len - fixedHeaderBytes - targetLen) (BU.unsafeDrop (18 + targetLen) buf)
                     in Item (Right (Frame (FrameKind kind) codec flags correlation timeout target payload)) rest
  where
    available = BS.length buf
    byte i = fromIntegral (BU.unsafeIndex buf i) :: Word32
    u16 i = byte i .|. (byte (i + 1) `shiftL` 8)
    u32 = u32At buf
    len = fromIntegral (u32 0) :: Int
    kind = BU.unsafeIndex buf 4
    codec = BU.unsafeIndex buf 5
    flags = fromIntegral (u16 6) :: Word16
    correlation = u32 8
    timeout = u32 12
    targetLen = fromIntegral (u16 16) :: Int

showT :: Show a => a -> Text
showT = T.pack . show
