{-# LANGUAGE PatternSynonyms, ScopedTypeVariables #-}
-- | The interop runtime for Haskell: what a program that uses generated code imports.
--
-- > import Interop.Runtime
-- > import Example.Chat
-- >
-- > main = do
-- >   node <- startNode defaultNodeOptions {nodeServices = [chatService myHandlers], nodeModules = [chatModule]}
-- >   let chat = chatClient (nodeInvoker node)        -- direct here, or over the link the config names
-- >   msg <- post chat "hi"
-- >   sub <- subscribeMessagePosted chat
-- >   _ <- onEvent sub print
-- >   awaitStop node >> closeNode node 2000
--
-- See docs/haskell.md.
module Interop.Runtime
  ( -- * Nodes
    Node
  , NodeOptions (..)
  , defaultNodeOptions
  , startNode
  , closeNode
  , awaitStop
  , nodeInvoker
  , nodePublisher
  , nodeName
  , nodeListening
  , nodeHealth
  , nodeManifest
    -- * Calls
  , Invoker
  , CallOptions (..)
  , defaultCallOptions
  , CallContext (..)
  , remainingMs
    -- * Streams
  , Items (..)
  , Emit (..)
  , Source (..)
  , sourceList
  , emptySource
  , itemsToList
  , forItems_
    -- * Events
  , Subscription (..)
  , onEvent
  , Publisher
    -- * Errors
  , InteropError (..)
  , ErrorCode (..)
  , errorCodeName
  , pattern CodeCancelled, pattern CodeUnknown, pattern CodeInvalidArgument
  , pattern CodeDeadlineExceeded, pattern CodeNotFound, pattern CodePermissionDenied
  , pattern CodeResourceExhausted, pattern CodeUnimplemented, pattern CodeInternal
  , pattern CodeUnavailable, pattern CodeUnauthenticated, pattern CodeSchemaMismatch
  , pattern CodeApplicationError, pattern CodeProtocolError
    -- * Codecs and config documents
  , Codec (..)
  , encodeValue
  , decodeValue
  , Doc (..)
  , parseDoc
  , Limits (..)
  , defaultLimits
  , EventPolicy (..)
  ) where

import Control.Concurrent (ThreadId, forkIO)
import Control.Concurrent.STM (atomically)
import Control.Exception (SomeAsyncException, SomeException, fromException, throwIO, try)
import Interop.Runtime.Codec
import Interop.Runtime.Error
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Node
import Interop.Runtime.PlainJson
import Interop.Runtime.Stream

-- | Runs @handler@ for each event of the subscription, one at a time and in order, in a thread
-- of its own, until the subscription ends. A handler that throws is counted in health
-- (@event_handler_errors@) and the subscription goes on.
onEvent :: Subscription e -> (e -> IO ()) -> IO ThreadId
onEvent sub handler = forkIO loop
  where
    loop = do
      next <- atomically (receive sub)
      case next of
        Nothing -> pure ()
        Just e -> do
          r <- try (handler e)
          case r of
            Left (ex :: SomeException)
              | Just (_ :: SomeAsyncException) <- fromException ex -> throwIO ex
              | otherwise -> handlerFailed sub
            Right () -> pure ()
          loop
