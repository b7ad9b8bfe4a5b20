{-# LANGUAGE OverloadedStrings #-}
-- | The Haskell example (docs/haskell.md): one node hosts example.chat, implemented by the handlers
-- below, and calls it through the generated client: a call, an event, a declared error, a stream
-- each way, and the codecs. Where example.chat runs is config: with "connect" instead of
-- "modules", the same client calls it over a socket.
module Main (main) where

import Control.Concurrent.STM (atomically)
import Control.Exception (throwIO, try)
import qualified Data.ByteString.Char8 as B8
import Data.IORef
import qualified Data.Text as T
import Example.Chat
import Interop.Runtime

main :: IO ()
main = do
  events <- newIORef Nothing
  posted <- newIORef []
  let save text = do
        if T.null text then throwIO (RateLimited 1000) else pure ()
        msg <- atomicModifyIORef' posted (\ms -> let m = Message (fromIntegral (length ms) + 1) text (Just MoodHappy) in (m : ms, m))
        readIORef events >>= mapM_ (\p -> publishMessagePosted p msg)
        pure msg
      handlers =
        chatHandlers
          { handlePost = \text _ctx -> save text
          , -- A server stream: emit blocks while the caller has no credit.
            handleHistory = \count out _ctx -> readIORef posted >>= mapM_ (emit out) . reverse . take (fromIntegral count)
          , -- A client stream: the items as they come, then the answer.
            handlePostMany = \texts _ctx -> fromIntegral . length <$> (itemsToList texts >>= mapM save)
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
  n <- postMany chat =<< sourceList ["one", "two"]
  putStrLn ("posted many: " <> show n)
  lastTwo <- history chat 2 itemsToList
  putStrLn ("history: " <> show (map messageText lastTwo))
  let bytes = encodeValue CodecJson msg
  B8.putStrLn ("json: " <> bytes)
  putStrLn ("decoded back: " <> show (decodeValue 64 CodecJson bytes == Right msg))
  closeNode node 1000
