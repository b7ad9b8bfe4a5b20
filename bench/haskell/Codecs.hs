{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | Section 1 for Haskell: encode and decode of the three shapes, our generated codecs (msgpack,
-- JSON, protobuf and flatbuffers) against aeson and binary on the same records, alternating in one
-- process, as bench/codecs/py_codecs.py does for Python. Prints one JSON line:
-- {"rows": [{shape, name, n, size, encode_ns, decode_ns}], "notes": []}.
module Codecs (runCodecs) where

import Bench.Shapes
import Control.DeepSeq (NFData, force)
import Control.Exception (evaluate, throwIO)
import Control.Monad (forM, forM_, replicateM_, when)
import qualified Data.Aeson as A
import Data.Aeson (FromJSON, ToJSON)
import qualified Data.Binary as Bin
import qualified Data.ByteString as BS
import qualified Data.ByteString.Lazy as BL
import Data.IORef
import Data.List (sort)
import qualified Data.Map.Strict as Map
import GHC.Clock (getMonotonicTimeNSec)
import Interop.Runtime
import Interop.Runtime.Gen (Wire)
import Protocol (reply)
import Values

instance NFData Small
instance NFData Item
instance NFData Nested
instance NFData Blob

data Contender = Contender
  { cName :: String
  , cEncode :: IO BS.ByteString -- ^ encodes the shape's value (read anew each time)
  , cDecode :: BS.ByteString -> IO () -- ^ decodes and forces the whole value
  }

contenders :: forall a j. (Wire a, NFData a, ToJSON j, FromJSON j, Bin.Binary a) => a -> (a -> j) -> (j -> a) -> IO [Contender]
contenders v toAeson fromAeson = do
  ref <- newIORef v -- read on every call, so that GHC cannot encode once outside the loop
  let strictly = evaluate . force
      ours codec name = Contender name (readIORef ref >>= evaluate . encodeValue codec) $ \b ->
        either throwIO (\(x :: a) -> () <$ strictly x) (decodeValue 64 codec b)
  pure
    [ ours CodecMsgpack "interop msgpack"
    , ours CodecJson "interop JSON"
    , ours CodecProtobuf "interop protobuf"
    , ours CodecFlatbuffers "interop flatbuffers"
    , Contender "aeson" (readIORef ref >>= evaluate . BL.toStrict . A.encode . toAeson) $ \b ->
        either fail (\x -> () <$ strictly (fromAeson x)) (A.eitherDecodeStrict' b)
    , Contender "binary (Generic)" (readIORef ref >>= evaluate . BL.toStrict . Bin.encode) $ \b ->
        case Bin.decodeOrFail (BL.fromStrict b) of
          Left (_, _, e) -> fail e
          Right (_, _, x :: a) -> () <$ strictly x ]

-- | @runCodecs warmup reps batches@: batches are the operations per timed batch, per shape.
runCodecs :: Int -> Int -> [(ShapeName, Int)] -> IO ()
runCodecs warmup reps batches = do
  rows <- forM batches $ \(shape, n) -> do
    cs <- case shape of
      ShapeSmall -> contenders small id id
      ShapeNested -> contenders nested id id
      ShapeBlob -> contenders blob AesonBlob (\(AesonBlob b) -> b)
    times <- newIORef (Map.empty :: Map.Map String ([Double], [Double]))
    forM_ [0 .. warmup + reps - 1] $ \rep -> forM_ (rotate rep cs) $ \c -> do
      bytes <- cEncode c
      t0 <- getMonotonicTimeNSec
      replicateM_ n (() <$ cEncode c)
      t1 <- getMonotonicTimeNSec
      replicateM_ n (cDecode c bytes)
      t2 <- getMonotonicTimeNSec
      let per a b = fromIntegral (b - a) / fromIntegral n
      when (rep >= warmup) $ modifyIORef' times (Map.insertWith add (cName c) ([per t0 t1], [per t1 t2]))
    ts <- readIORef times
    forM cs $ \c -> do
      size <- BS.length <$> cEncode c
      let (enc, dec) = Map.findWithDefault ([], []) (cName c) ts
      pure $ A.object
        [ "shape" A..= shapeLabel shape, "name" A..= cName c, "n" A..= n, "size" A..= size
        , "encode_ns" A..= median enc, "decode_ns" A..= median dec ]
  reply (A.object ["rows" A..= concat rows, "notes" A..= ([] :: [String])])
  where
    add (a, b) (c, d) = (a <> c, b <> d)
    rotate r xs = let k = r `mod` length xs in drop k xs <> take k xs
    shapeLabel s = case s of ShapeSmall -> "small"; ShapeNested -> "nested"; ShapeBlob -> "blob" :: String

median :: [Double] -> Double
median [] = 0
median xs = let s = sort xs; m = length s `div` 2 in if odd (length s) then s !! m else (s !! (m - 1) + s !! m) / 2
