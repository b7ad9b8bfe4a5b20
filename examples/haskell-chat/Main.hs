{-# LANGUAGE OverloadedStrings #-}
-- | The Haskell example (docs/haskell.md): one node hosts example.chat, implemented by the handlers
-- below, and calls it through the generated client. Where example.chat runs is config: with
-- "connect" instead of "modules", the same client calls it over a socket.
module Main (main) where

import Control.Concurrent.STM (atomically)
import Control.Exception (throwIO, try)
import Data.IORef
import qualified Data.Text as T
import Example.Chat
import Interop.Runtime

main :: IO ()
main = do
  events <- newIORef Nothing
  counter <- newIORef 0
  let handlers =
        chatHandlers
          { handlePost = \text _ctx -> do
              if T.null text then throwIO (RateLimited 1000) else pure ()
              n <- atomicModifyIORef' counter (\i -> (i + 1, i + 1))
              let msg = Message {messageId = n, messageText = text, messageMood = Just MoodHappy}
              readIORef events >>= mapM_ (\p -> publishMessagePosted p msg)
              pure msg
          }
      config = DObj [("node", DStr "chat-example"), ("modules", DArr [DStr "example.chat"])]
  node <- startNode defaultNodeOptions {nodeServices = [chatService handlers], nodeModules = [chatModule], nodeConfig = Just config}
  writeIORef events (Just (chatEvents (nodePublisher node)))

  let chat = chatClient (nodeInvoker node)
  sub <- subscribeMessagePosted chat
  msg <- post chat "hello"
  putStrLn ("posted: " <> show msg)
  Just seen <- atomically (receive sub)
  putStrLn ("event: " <> T.unpack (messageText seen))
  refused <- try (post chat "")
  putStrLn ("refused: " <> either (\(RateLimited ms) -> "rate limited, retry after " <> show ms <> " ms") show refused)
  closeNode node 1000
