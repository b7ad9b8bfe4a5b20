{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The Haskell implementation of interop.conformance (test/conformance/conformance.interop):
-- every function but @unimplemented@, which keeps the generated default (UNIMPLEMENTED).
module Impl (conformanceImplementation, chunk, wallClockMs) where

import Control.Concurrent (threadDelay)
import Control.Exception (SomeAsyncException, catch, throwIO)
import Control.Monad (forever, when)
import qualified Data.ByteString as BS
import Data.IORef
import qualified Data.Text as T
import Data.Word (Word32)
import Data.Time.Clock.POSIX (getPOSIXTime)
import Interop.Conformance
import Interop.Runtime
import System.Posix.Signals (raiseSignal, sigKILL)

-- | @size@ bytes, byte j being j mod 251 (the chunks of upload, download and flood).
chunk :: Int -> BS.ByteString
chunk size = BS.pack [fromIntegral (j `mod` 251) | j <- [0 .. size - 1]]

wallClockMs :: IO Double
wallClockMs = (* 1000) . realToFrac <$> getPOSIXTime

-- | A tick as tick_stream sends it: its number and the producer's wall clock (whole ms) as text.
tick :: Word32 -> IO Tick
tick n = Tick n . T.pack . show . (floor :: Double -> Integer) <$> wallClockMs

-- | The handlers, and a place to put the publisher once the node exists.
conformanceImplementation :: IO (ConformanceHandlers, IORef (Maybe ConformanceEvents))
conformanceImplementation = do
  count <- newIORef 0
  note <- newIORef ""
  events <- newIORef Nothing
  floodProduced <- newIORef 0
  cancelledAt <- newIORef 0
  let -- A stream handler learns that its stream was cancelled (its thread is interrupted).
      noticingCancel act = act `catch` \(e :: SomeAsyncException) -> (wallClockMs >>= writeIORef cancelledAt) >> throwIO e
  let echo v _ = pure v
      handlers =
        conformanceHandlers
          { handleEchoBool = echo, handleEchoI8 = echo, handleEchoI16 = echo, handleEchoI32 = echo
          , handleEchoI64 = echo, handleEchoU8 = echo, handleEchoU16 = echo, handleEchoU32 = echo
          , handleEchoU64 = echo, handleEchoF32 = echo, handleEchoF64 = echo, handleEchoString = echo
          , handleEchoBytes = echo, handleEchoLevel = echo, handleEchoList = echo, handleEchoMap = echo
          , handleEchoMaybe = echo, handleEchoScalars = echo, handleEchoContainers = echo
          , handleEchoOptionals = echo, handleEchoShape = echo, handleEchoEverything = echo
          , handleAdd = \a b _ -> pure (a + b)
          , handleNothing = \_ -> pure ()
          , handleFail = \kind _ -> case kind of
              "not_found" -> throwIO (NotFound "missing")
              "invalid" -> throwIO (Invalid "kind" "bad" (Just minBound))
              "busy" -> throwIO (Busy maxBound)
              "internal" -> ioError (userError "a plain Haskell exception")
              _ -> pure kind
          -- A cancelled call or a passed deadline interrupts the delay.
          , handleSlow = \ms _ -> threadDelay (fromIntegral ms * 1000) >> pure ms
          , handleNextCount = \_ -> atomicModifyIORef' count (\n -> (n + 1, n + 1))
          , handleNote = \text _ -> writeIORef note text
          , handleLastNote = \_ -> readIORef note
          , handlePublish = \n text _ -> do
              publisher <- readIORef events
              case publisher of
                Nothing -> pure ()
                Just p -> do
                  mapM_ (\i -> publishTicked p (Tick i text)) [1 .. n]
                  publishPinged p
          , handleUpload = \chunks _ -> sum . map (fromIntegral . BS.length) <$> itemsToList chunks
          , handleDownload = \sizes out _ -> mapM_ (emit out . chunk . fromIntegral) sizes
          , handlePingPong = \lines' out _ -> forItems_ lines' (\line -> emit out ("pong " <> line))
          , handleTickStream = \count end out _ -> noticingCancel $ do
              mapM_ (\n -> tick n >>= emit out) [1 .. count]
              case end of
                "busy" -> throwIO (Busy count)
                "cancel" -> throwIO (InteropError CodeCancelled ("the callee stopped after " <> T.pack (show count)))
                "hang" -> forever (threadDelay 1000000)
                _ -> pure ()
          , handleFlood = \size total out _ -> noticingCancel $ do
              writeIORef floodProduced 0
              let item = chunk (fromIntegral size)
                  go sent = when (sent < total) $ do
                    modifyIORef' floodProduced (+ 1)
                    emit out item
                    go (sent + fromIntegral size)
              go 0
          , handleStreamStats = \_ -> StreamStats <$> readIORef floodProduced <*> readIORef cancelledAt
          , handleDieMidStream = \count out _ -> do
              mapM_ (\n -> tick n >>= emit out) [1 .. count]
              -- Let those ticks reach the socket, then die as a crash would: no GOODBYE, no close.
              threadDelay 50000
              raiseSignal sigKILL
          }
  pure (handlers, events)
