{-# LANGUAGE OverloadedStrings, ScopedTypeVariables #-}
-- | The caller's side of a stream over a connection (docs/wire.md §1.5, §6): the REQUEST with the
-- function's STREAM_IN / STREAM_OUT flags, under an in-flight slot and a correlation id like any
-- exchange ('exchangeWith'), the credit for the callee's items in the same transaction, the
-- caller's items pulled from its source only under the callee's credit and ended with
-- STREAM_END, the callee's answer that ends it, and a CANCEL when the caller gives up (its
-- cancel signal, the deadline, a consumer that stops reading, an input that fails, a callee
-- frame that breaks the rules).
module Interop.Runtime.Connection.StreamCaller
  ( connStream
  , readCredit
  , creditFrame
  , itemFrame
  , decodeItem
  ) where

import Control.Concurrent
import Control.Concurrent.STM
import Control.Exception
import Control.Monad (unless, void, when)
import Data.Bits (shiftL, (.|.))
import qualified Data.ByteString as BS
import qualified Data.ByteString.Builder as B
import qualified Data.ByteString.Lazy as BL
import qualified Data.IntMap.Strict as IM
import Data.Maybe (fromMaybe, isJust)
import qualified Data.Text as T
import Data.Word (Word16, Word32)
import Interop.Runtime.Codec
import Interop.Runtime.Compat (MemberKind (..))
import Interop.Runtime.Connection.Caller (errorOf, exchangeWith, judge)
import Interop.Runtime.Connection.Outbound
import Interop.Runtime.Connection.Types
import Interop.Runtime.Counters
import Interop.Runtime.Error
import Interop.Runtime.Frame
import Interop.Runtime.Limits
import Interop.Runtime.Module
import Interop.Runtime.Stream

-- | A STREAM_CREDIT's grant: its payload is exactly a u32 of at least 1.
readCredit :: Frame -> Maybe Int
readCredit f = case BS.unpack (framePayload f) of
  [a, b, c, d] ->
    let n = fromIntegral a .|. (fromIntegral b `shiftL` 8) .|. (fromIntegral c `shiftL` 16) .|. (fromIntegral d `shiftL` 24) :: Int
     in if n >= 1 then Just n else Nothing
  _ -> Nothing

creditFrame :: Word32 -> Word16 -> Int -> Frame
creditFrame cid flags n =
  (frame StreamCredit) {frameCorrelation = cid, frameFlags = flags, framePayload = BL.toStrict (B.toLazyByteString (B.word32LE (fromIntegral n)))}

itemFrame :: Word32 -> Word16 -> Codec -> BS.ByteString -> Frame
itemFrame cid flags codec bytes =
  (frame StreamItem) {frameCodec = codecNumber codec, frameCorrelation = cid, frameFlags = flags, framePayload = bytes}

-- | The item a STREAM_ITEM carries, or the code and message that end its stream: an item in
-- another codec than the REQUEST's is PROTOCOL_ERROR, one that does not decode INVALID_ARGUMENT
-- (RESOURCE_EXHAUSTED past max_depth), as parameters are.
decodeItem :: (Int -> Codec -> BS.ByteString -> Either InteropError a) -> Int -> Codec -> Frame -> Either InteropError a
decodeItem decode depth codec f
  | frameCodec f /= codecNumber codec =
      Left (interopError CodeProtocolError ("an item in codec " <> T.pack (show (frameCodec f)) <> ", not the request's (" <> codecName codec <> ")"))
  | otherwise = either (\e -> Left (InteropError (errorCode e) ("an item does not decode: " <> errorMessage e))) Right (decode depth codec (framePayload f))

-- | Starts a stream over the connection. Nothing is sent when the peer's version of the module
-- cannot serve it (docs/wire.md §2.2): that error is thrown here.
connStream :: forall p i o r. Conn -> CallOptions -> StreamSpec p i o r -> p -> Source i -> IO (StreamHandle o r)
connStream c opts spec p source = do
  judge c (streamModule spec) FunctionMember (streamFunction spec)
  checkOpen c
  codec <- sendCodecFor c (streamTarget spec)
  payload <- evaluate (encodePayload (streamParams spec) codec p)
  now <- monotonicMs
  let limits = ccLimits (connConfig c)
      target = streamTarget spec
      timeoutMs = fromMaybe (defaultDeadlineMs limits) (callTimeoutMs opts)
      deadline = if timeoutMs > 0 then Just (now + timeoutMs) else Nothing
      hasInput = isJust (streamInput spec)
  cidVar <- newTVarIO 0
  stopVar <- newEmptyTMVarIO
  outcome <- newEmptyTMVarIO
  finished <- newEmptyTMVarIO
  token <- atomically (stateTVar (connNextToken c) (\n -> (n, n + 1)))
  inbox <- atomically (newInbox (streamWindow limits) (\n -> readTVar cidVar >>= \cid -> sendFrame c (creditFrame cid 0 n)))
  credit <- atomically newCredit
  let stopWith e = void (tryPutTMVar stopVar e)
      over = not <$> isEmptyTMVar outcome
      broke code msg = do
        bump (ccCounters (connConfig c)) RejectedFrames
        atomically (stopWith (InteropError code (target <> ": " <> msg)))
      onFrame f
        | frameKind f == StreamItem = case streamOutput spec of
            Nothing -> broke CodeProtocolError "an item from the callee of a stream without output"
            Just out -> case decodeItem (decodePayload out) (maxDepth limits) codec f of
              Left e -> broke (errorCode e) (errorMessage e)
              Right x -> do
                ok <- atomically (inboxPush inbox x)
                unless ok $ broke CodeResourceExhausted "an item beyond the credit granted"
        | frameKind f == StreamCredit =
            if not hasInput
              then broke CodeProtocolError "credit for a stream without input"
              else case readCredit f of
                Nothing -> broke CodeProtocolError "a malformed STREAM_CREDIT"
                Just n -> do
                  ok <- atomically (creditGrant credit n)
                  unless ok $ broke CodeProtocolError "credit above 2^32 - 1"
        | otherwise = broke CodeProtocolError "a STREAM_END from the callee"
      peer = StreamPeer token onFrame (atomically . stopWith)
      registered cid = do
        writeTVar cidVar cid
        modifyTVar' (connOutStreams c) (IM.insert (key cid) peer)
        when (isJust (streamOutput spec)) (inboxOpen inbox)
      unregister = do
        cid <- readTVar cidVar
        mine <- (fmap spToken . IM.lookup (key cid)) <$> readTVar (connOutStreams c)
        when (mine == Just token) $ modifyTVar' (connOutStreams c) (IM.delete (key cid))
      userCancel = maybe retry (interopError CodeCancelled (target <> ": cancelled by the caller") <$) (callCancel opts)
      request = (frame Request) {frameCodec = codecNumber codec, frameTarget = target, framePayload = payload, frameFlags = streamFlags (FnStream hasInput (isJust (streamOutput spec)))}
      -- The caller's items: the source is asked for one only while the callee's credit holds and
      -- the peer reads what we send.
      pump inCodec = do
        go <- atomically $ (False <$ (over >>= check)) `orElse` (True <$ (waitWritable c >> creditTake credit))
        when go $ do
          next <- pullItem source
          case next of
            Nothing -> atomically $ over >>= \o -> unless o (readTVar cidVar >>= \cid -> sendFrame c (frame StreamEnd) {frameCorrelation = cid})
            Just x -> do
              bytes <- evaluate (encodePayload inCodec codec x)
              atomically $ over >>= \o -> unless o (readTVar cidVar >>= \cid -> sendFrame c (itemFrame cid 0 codec bytes))
              pump inCodec
      runPump inCodec = pump inCodec `catch` \(e :: SomeException) -> case fromException e of
        Just (_ :: SomeAsyncException) -> pure ()
        Nothing -> atomically (stopWith (interopError CodeCancelled (target <> ": the input failed: " <> T.pack (show e))))
      settle r = case r of
        Left (e :: SomeException) -> do
          -- Ended here (cancel, deadline, lost connection, a broken rule): unread items go.
          atomically (inboxFail inbox True e)
          pure (Left e)
        Right f
          | frameKind f == ErrorFrame -> do
              ex <- errorOf c (mdErrors (streamModule spec)) f
              atomically (inboxFail inbox False ex)
              pure (Left ex)
          | otherwise -> do
              let decoded = decodePayload (streamResult spec) (maxDepth limits) (fromMaybe codec (codecFromNumber (frameCodec f))) (framePayload f)
              atomically (either (inboxFail inbox True . toException) (const (inboxEnd inbox)) decoded)
              pure (either (Left . toException) Right decoded)
      driver = do
        pumper <- case streamInput spec of
          Just inCodec -> Just <$> forkIO (runPump inCodec)
          Nothing -> pure Nothing
        r <- try (exchangeWith c request deadline (readTMVar stopVar `orElse` userCancel) registered)
        atomically unregister
        mapM_ killThread pumper
        settle r >>= atomically . putTMVar outcome
  _ <- forkIO (driver `finally` atomically (putTMVar finished ()))
  let close = do
        atomically $ do
          o <- over
          unless o $ stopWith (interopError CodeCancelled (target <> ": the caller stopped reading"))
          inboxStop inbox
        atomically (readTMVar finished)
  pure StreamHandle
    { streamItems = if isJust (streamOutput spec) then inboxItems inbox else Items (pure Nothing)
    , streamOutcome = atomically (readTMVar outcome) >>= either throwIO pure
    , streamClose = close
    }
