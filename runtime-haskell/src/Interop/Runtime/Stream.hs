-- | The items of a stream (docs/wire.md §1.5), the same over a connection and in process.
--
-- What user code sees: 'Items' to read (the callee's output at the caller, the caller's input
-- in a handler), 'Emit' to send from a handler, and a 'Source' the caller's input is pulled
-- from. Reading and sending block in STM, so a producer without credit is simply suspended
-- where it emits (or is not asked for its next item), and a cancel interrupts it.
--
-- What the runtime builds them from: an 'Inbox', the receiving end of one direction, which
-- accepts items within the credit it granted and grants again as its consumer takes them (the
-- window when it opens, then @ceil(window / 2)@ each time that many were taken), so items
-- granted and not taken never exceed the window whatever the sender does; and a 'Credit', the
-- sending end's count of items the receiver accepts.
module Interop.Runtime.Stream
  ( -- * For user code
    Items (..)
  , Emit (..)
  , Source (..)
  , emptySource
  , sourceList
  , itemsToList
  , forItems_
    -- * For the runtime
  , Inbox
  , newInbox
  , inboxOpen
  , inboxPush
  , inboxEnd
  , inboxFail
  , inboxStop
  , inboxItems
  , Credit
  , newCredit
  , creditGrant
  , creditTake
  , maxCredit
  ) where

import Control.Concurrent.STM
import Control.Exception (SomeException, throwIO)
import Data.IORef
import Data.Sequence (Seq, ViewL (..), viewl, (|>))
import qualified Data.Sequence as Seq

-- | A stream's items as they arrive: 'nextItem' blocks until the next one, gives 'Nothing' at
-- the end, and throws the stream's error (a declared error as its own type, anything else as
-- InteropError) after the items that preceded it.
newtype Items a = Items {nextItem :: IO (Maybe a)}

-- | Sends one item of a handler's output; blocks while the receiver grants no credit (the
-- consumer is not reading) or the connection is congested. Never drops.
newtype Emit a = Emit {emit :: a -> IO ()}

-- | Where a caller's input comes from: asked for the next item only when the callee has granted
-- credit for it; 'Nothing' ends the input (the caller's half-close). It runs in a thread of its
-- own, so it may block (waiting for an answer, for instance).
newtype Source a = Source {pullItem :: IO (Maybe a)}

emptySource :: Source a
emptySource = Source (pure Nothing)

-- | A source that sends these items, then ends.
sourceList :: [a] -> IO (Source a)
sourceList xs = do
  rest <- newIORef xs
  pure (Source (atomicModifyIORef' rest (\l -> case l of [] -> ([], Nothing); (y : ys) -> (ys, Just y))))

-- | Reads every item to the end (throws the stream's error).
itemsToList :: Items a -> IO [a]
itemsToList items = go []
  where
    go acc = nextItem items >>= maybe (pure (reverse acc)) (\x -> go (x : acc))

forItems_ :: Items a -> (a -> IO ()) -> IO ()
forItems_ items f = go
  where
    go = nextItem items >>= maybe (pure ()) (\x -> f x >> go)

data InboxState = Flowing | Ended | Failed SomeException | Stopped

-- | The receiving end of one direction, read by one consumer.
data Inbox a = Inbox
  { ibItems :: TVar (Seq a)
  , ibState :: TVar InboxState
  , ibOutstanding :: TVar Int -- ^ granted and not yet received
  , ibTaken :: TVar Int -- ^ taken by the consumer since the last grant
  , ibWindow :: !Int
  , ibGrant :: Int -> STM () -- ^ tells the sender (a STREAM_CREDIT, or its Credit in process)
  }

newInbox :: Int -> (Int -> STM ()) -> STM (Inbox a)
newInbox window grant =
  Inbox <$> newTVar Seq.empty <*> newTVar Flowing <*> newTVar 0 <*> newTVar 0 <*> pure (max 1 window) <*> pure grant

-- | The direction opens: grants the window.
inboxOpen :: Inbox a -> STM ()
inboxOpen ib = grant ib (ibWindow ib)

grant :: Inbox a -> Int -> STM ()
grant ib n = do
  modifyTVar' (ibOutstanding ib) (+ n)
  writeTVar (ibTaken ib) 0
  ibGrant ib n

-- | An item from the sender. False when it goes past the credit granted (the sender broke the
-- rules: RESOURCE_EXHAUSTED). Once the consumer stopped, items within credit are dropped.
inboxPush :: Inbox a -> a -> STM Bool
inboxPush ib x = do
  n <- readTVar (ibOutstanding ib)
  if n <= 0
    then pure False
    else do
      writeTVar (ibOutstanding ib) (n - 1)
      st <- readTVar (ibState ib)
      case st of
        Flowing -> modifyTVar' (ibItems ib) (|> x)
        _ -> pure ()
      pure True

-- | The sender's end: the consumer gets the items that wait, then the end.
inboxEnd :: Inbox a -> STM ()
inboxEnd ib = do
  st <- readTVar (ibState ib)
  case st of
    Flowing -> writeTVar (ibState ib) Ended
    _ -> pure ()

-- | Ends with an error: after the waiting items when the peer sent it (an error mid-stream), or
-- at once, discarding them, for a local reason (a cancel, a deadline, a lost connection).
inboxFail :: Inbox a -> Bool -> SomeException -> STM ()
inboxFail ib discard e = do
  st <- readTVar (ibState ib)
  case st of
    Stopped -> pure ()
    Flowing -> failNow
    _ | discard -> failNow
      | otherwise -> pure ()
  where
    failNow = do
      if discard then writeTVar (ibItems ib) Seq.empty else pure ()
      writeTVar (ibState ib) (Failed e)

-- | The consumer stops reading: nothing more is delivered, no more credit is granted.
inboxStop :: Inbox a -> STM ()
inboxStop ib = writeTVar (ibState ib) Stopped >> writeTVar (ibItems ib) Seq.empty

-- | The consumer's view. Taking an item grants credit again every @ceil(window / 2)@ items while
-- the stream flows.
inboxItems :: Inbox a -> Items a
inboxItems ib = Items $ do
  r <- atomically $ do
    q <- readTVar (ibItems ib)
    st <- readTVar (ibState ib)
    case viewl q of
      x :< rest -> do
        writeTVar (ibItems ib) rest
        case st of
          Flowing -> do
            taken <- (+ 1) <$> readTVar (ibTaken ib)
            if taken >= (ibWindow ib + 1) `div` 2 then grant ib taken else writeTVar (ibTaken ib) taken
          _ -> pure ()
        pure (Right (Just x))
      EmptyL -> case st of
        Flowing -> retry
        Failed e -> pure (Left e)
        _ -> pure (Right Nothing)
  either throwIO pure r

-- | The sending end's count of items the receiver accepts in addition.
newtype Credit = Credit (TVar Int)

newCredit :: STM Credit
newCredit = Credit <$> newTVar 0

-- | Credit travels as a u32 (docs/wire.md §1.5): a sender never holds more.
maxCredit :: Int
maxCredit = 0xFFFFFFFF

-- | The receiver granted @n@ more items. False when that takes the credit past 'maxCredit'.
creditGrant :: Credit -> Int -> STM Bool
creditGrant (Credit tv) n = do
  have <- readTVar tv
  if have + n > maxCredit then pure False else True <$ writeTVar tv (have + n)

-- | Takes one item's credit; retries while there is none.
creditTake :: Credit -> STM ()
creditTake (Credit tv) = do
  n <- readTVar tv
  if n <= 0 then retry else writeTVar tv (n - 1)
