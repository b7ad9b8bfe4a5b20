{-# LANGUAGE OverloadedStrings #-}
-- | The callee's side of a stream over a connection (docs/wire.md §1.5, §6). The handler runs as
-- a call's does (Serving's handler thread: @max_in_flight@, the deadline, CANCEL); this module
-- gives it its input, an 'Items' over the caller's items whose credit is granted as the handler
-- reads (the window once the REQUEST is accepted), and its output, an 'Emit' that sends an item
-- only under the caller's credit and while the peer reads. The handler's answer ends the
-- exchange; a caller's frame that breaks the rules ends it with an ERROR and cancels the handler.
module Interop.Runtime.Connection.StreamServing
  ( ServedStream (..)
  , prepareStream
  ) where

import Control.Concurrent (forkIO, killThread)
import Control.Concurrent.STM
import Control.Exception (evaluate, throwIO)
import Control.Monad (unless, void, when)
import qualified Data.ByteString as BS
import qualified Data.IntMap.Strict as IM
import Data.Text (Text)
import Interop.Runtime.Codec
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.StreamCaller (creditFrame, decodeItem, itemFrame, readCredit)
import Interop.Runtime.Connection.Types
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Stream

-- | What the serving side needs to run one accepted stream.
data ServedStream = ServedStream
  { ssRun :: CallContext -> IO (Either Failure BS.ByteString) -- ^ the handler, to its answer
  , ssAccepted :: STM () -- ^ in the transaction that registers the handler: the stream opens
  , ssDone :: STM () -- ^ when the handler's exchange is over: frames for it are late from then on
  }

-- | The stream of REQUEST @f@ (accepted, in @codec@), its handler registered under @token@.
prepareStream :: Conn -> Frame -> Codec -> Int -> FnKind -> StreamRun -> IO ServedStream
prepareStream c f codec token kind (StreamRun decode encode handler) = do
  let cid = frameCorrelation f
      target = frameTarget f
      limits = ccLimits (connConfig c)
      (hasInput, hasOutput) = case kind of
        FnStream i o -> (i, o)
        _ -> (False, False)
  inbox <- atomically (newInbox (streamWindow limits) (sendFrame c . creditFrame cid flagCallee))
  credit <- atomically newCredit
  inputEnded <- newTVarIO False
  let send x = do
        bytes <- evaluate (encode codec x)
        atomically $ do
          waitWritable c
          creditTake credit
          sendFrame c (itemFrame cid flagCallee codec bytes)
      noOutput _ = throwIO (interopError CodeInternal (target <> " has no output"))
      items = if hasInput then inboxItems inbox else Items (pure Nothing)
      done = do
        mine <- (fmap spToken . IM.lookup (key cid)) <$> readTVar (connInStreams c)
        when (mine == Just token) $ modifyTVar' (connInStreams c) (IM.delete (key cid))
      -- Ends the exchange with an ERROR and cancels the handler (docs/wire.md §1.5).
      breakOff e = do
        handler <- atomically $ do
          done
          h <- IM.lookup (key cid) <$> readTVar (connHandling c)
          case h of
            Just running | handlingToken running == token -> do
              modifyTVar' (connHandling c) (IM.delete (key cid))
              sendError c cid target codec (Failure (errorCode e) (errorMessage e) Nothing)
              pure (Just (handlingThread running))
            _ -> pure Nothing
        mapM_ (void . forkIO . killThread) handler
      broke :: ErrorCode -> Text -> IO ()
      broke code msg = do
        bump (ccCounters (connConfig c)) RejectedFrames
        breakOff (InteropError code (target <> ": " <> msg))
      onFrame f'
        | frameKind f' == StreamItem = do
            ended <- readTVarIO inputEnded
            if not hasInput
              then broke CodeProtocolError "an item for a stream without input"
              else
                if ended
                  then broke CodeProtocolError "an item after STREAM_END"
                  else case decodeItem decode (maxDepth limits) codec f' of
                    Left e -> broke (errorCode e) (errorMessage e)
                    Right x -> do
                      ok <- atomically (inboxPush inbox x)
                      unless ok $ broke CodeResourceExhausted "an item beyond the credit granted"
        | frameKind f' == StreamEnd = do
            ended <- readTVarIO inputEnded
            if not hasInput
              then broke CodeProtocolError "a STREAM_END for a stream without input"
              else
                if ended
                  then broke CodeProtocolError "a second STREAM_END"
                  else atomically (writeTVar inputEnded True >> inboxEnd inbox)
        | not hasOutput = broke CodeProtocolError "credit for a stream without output"
        | otherwise = case readCredit f' of
            Nothing -> broke CodeProtocolError "a malformed STREAM_CREDIT"
            Just n -> do
              ok <- atomically (creditGrant credit n)
              unless ok $ broke CodeProtocolError "credit above 2^32 - 1"
      accepted = do
        modifyTVar' (connInStreams c) (IM.insert (key cid) (StreamPeer token onFrame breakOff))
        when hasInput (inboxOpen inbox)
  pure ServedStream
    { ssRun = handler items (Emit (if hasOutput then send else noOutput))
    , ssAccepted = accepted
    , ssDone = done
    }
