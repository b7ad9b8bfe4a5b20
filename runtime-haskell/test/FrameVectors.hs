{-# LANGUAGE OverloadedStrings #-}
-- | Frame golden vectors (test/vectors/frames.json): valid frames decode to their header fields
-- and re-encode byte for byte, also when fed one byte at a time; invalid ones give the expected
-- error, fatal (close) or answered on their correlation id.
module FrameVectors (frameVectorTests) where

import qualified Data.ByteString as BS
import qualified Data.Text as T
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Test.Tasty
import Test.Tasty.HUnit
import TestJson

decoder :: Decoder
decoder = newDecoder 16777216 1024

frameVectorTests :: IO TestTree
frameVectorTests = do
  doc <- readJsonFile =<< repoPath "test/vectors/frames.json"
  pure $ testGroup "frame vectors"
    [ testGroup "valid" (map valid (list (field "valid" doc)))
    , testGroup "invalid" (map invalidFrame (list (field "invalid" doc)))
    , testCase "a frame of exactly max_frame_bytes is accepted, one byte more is refused" exactlyMax
    , testCase "a frame in many small chunks is decoded once complete" chunked
    ]

valid v = testCase (T.unpack (str (field "name" v))) $ do
  let bytes = fromHex (str (field "hex" v))
  case snd (pushBytes decoder bytes) of
    [Right f] -> do
      let FrameKind k = frameKind f
      toInteger k @?= int (field "kind_value" v)
      toInteger (frameCodec f) @?= int (field "codec_value" v)
      toInteger (frameFlags f) @?= int (field "flags" v)
      toInteger (frameCorrelation f) @?= int (field "correlation" v)
      toInteger (frameTimeout f) @?= int (field "timeout_ms" v)
      frameTarget f @?= str (field "target" v)
      toHex (framePayload f) @?= str (field "payload_hex" v)
      toHex (encodeFrame f) @?= toHex bytes
      -- The same bytes one at a time: nothing is returned before the frame is complete.
      let step (d, seen) b = let (d', out) = pushBytes d (BS.singleton b) in (d', seen ++ [(length seen, out)])
          (_, steps) = foldl step (decoder, []) (BS.unpack bytes)
      all (null . snd) (init steps) @? "an item before the frame was complete"
      snd (last steps) @?= [Right f]
    other -> assertFailure ("expected one frame, got " <> show other)

invalidFrame v = testCase (T.unpack (str (field "name" v))) $ do
  let (d0, items) = pushBytes decoder (fromHex (str (field "hex" v)))
      eof = maybe False bool (fieldMaybe "eof" v)
      (d, ended) = endOfStream d0
  items' <-
    if eof
      then do
        items @?= []
        pure (maybe [] (\e -> [Left e]) ended)
      else pure items
  case items' of
    [Left e] -> do
      errorCodeName (errorCode (feError e)) @?= str (field "code" v)
      feFatal e @?= bool (field "close" v)
      if feFatal e
        then snd (pushBytes d "\x0e\x00\x00\x00") @?= [] -- a failed decoder ignores later input
        else do
          toInteger (feCorrelation e) @?= int (field "answer_correlation" v)
          -- The connection goes on: a following valid frame still decodes.
          let ping = (frame Ping) {frameCorrelation = 99}
          snd (pushBytes d (encodeFrame ping)) @?= [Right ping]
    other -> assertFailure ("expected one error, got " <> show other)

exactlyMax :: Assertion
exactlyMax = do
  let f = (frame Ping) {frameCorrelation = 1, framePayload = BS.replicate (100 - 14) 120}
  snd (pushBytes (newDecoder 100 1024) (encodeFrame f)) @?= [Right f]
  let big = f {framePayload = BS.replicate (101 - 14) 120}
  case snd (pushBytes (newDecoder 100 1024) (BS.take 4 (encodeFrame big))) of
    [Left e] -> errorCode (feError e) @?= CodeResourceExhausted
    other -> assertFailure (show other)

chunked :: Assertion
chunked = do
  let f = (frame Request) {frameCodec = 2, frameCorrelation = 7, frameTarget = "a.b", framePayload = BS.replicate 100000 7}
      bytes = encodeFrame f <> encodeFrame f
      chunks = takeChunks bytes
      takeChunks b = if BS.null b then [] else BS.take 1000 b : takeChunks (BS.drop 1000 b)
      (d, outs) = foldl (\(dd, acc) c -> let (dd', o) = pushBytes dd c in (dd', acc ++ o)) (decoder, []) chunks
  outs @?= [Right f, Right f]
  bufferedBytes d @?= 0
