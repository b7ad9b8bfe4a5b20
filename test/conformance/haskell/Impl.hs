{-# LANGUAGE OverloadedStrings #-}
-- | The Haskell implementation of interop.conformance (test/conformance/conformance.interop):
-- every function but @unimplemented@, which keeps the generated default (UNIMPLEMENTED).
module Impl (conformanceImplementation) where

import Control.Concurrent (threadDelay)
import Control.Exception (throwIO)
import Data.IORef
import Interop.Conformance

-- | The handlers, and a place to put the publisher once the node exists.
conformanceImplementation :: IO (ConformanceHandlers, IORef (Maybe ConformanceEvents))
conformanceImplementation = do
  count <- newIORef 0
  note <- newIORef ""
  events <- newIORef Nothing
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
          }
  pure (handlers, events)
