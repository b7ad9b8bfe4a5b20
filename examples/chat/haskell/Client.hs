{-# LANGUAGE OverloadedStrings #-}
-- | A chat client, in Haskell: subscribes to message_posted, says it is typing, posts four
-- messages (the fourth is refused: RateLimited, a declared error), takes the events of its posts,
-- then closes its node. Like python/client.py and ts/client.ts.
--     cabal run --offline chat-client -- tcp://127.0.0.1:PORT   (the address the server printed)
module Main (main) where

import Control.Concurrent.STM (atomically)
import Control.Exception (try)
import Control.Monad (forM, unless)
import Data.Maybe (catMaybes)
import qualified Data.Text as T
import Example.Chat
import Interop.Runtime
import System.Environment (getArgs, lookupEnv)
import System.Exit (die)
import System.Timeout (timeout)

main :: IO ()
main = do
  -- Under `interop run` the node config comes in INTEROP_NODE_CONFIG; alone, dial the address given.
  fromEnv <- lookupEnv "INTEROP_NODE_CONFIG"
  args <- getArgs
  config <- case (fromEnv, args) of
    (Just _, _) -> pure Nothing
    (Nothing, [address]) -> pure (Just (DObj [("node", DStr "chat-client"), ("connect", DArr [DObj [("address", DStr (T.pack address)), ("modules", DArr [DStr "example.chat"])]])]))
    _ -> die "usage: chat-client <the address the server printed>"
  node <- startNode defaultNodeOptions {nodeModules = [chatModule], nodeConfig = config}
  let chat = chatClient (nodeInvoker node)
  -- Events wait in the subscription's bounded queue (max_event_queue) until received.
  messages <- subscribeMessagePosted chat
  typing chat "ada" -- one-way: no answer to wait for
  posted <- fmap catMaybes . forM ["hello :)", "how is everyone?", "off to lunch :(", "one more"] $ \text -> do
    r <- try (post chat text)
    case r of
      Right m -> do
        putStrLn ("post(" <> show text <> ") -> #" <> show (messageId m) <> ", mood " <> maybe "none" show (messageMood m))
        pure (Just (messageId m))
      Left (RateLimited ms) -> do
        putStrLn ("post(" <> show text <> ") -> RateLimited, retry after " <> show ms <> " ms")
        pure Nothing
  -- An event may arrive after the answer to its post: take events until every posted one was seen.
  let await seen = unless (all (`elem` seen) posted) $ do
        next <- timeout 10000000 (atomically (receive messages))
        case next of
          Just (Just m) -> do
            putStrLn ("event message_posted: #" <> show (messageId m) <> " " <> show (messageText m))
            await (messageId m : seen)
          _ -> die "no event within 10 s"
  await []
  unsubscribe messages
  closeNode node 1000
