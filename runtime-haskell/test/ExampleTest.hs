{-# LANGUAGE OverloadedStrings #-}
-- | The example of docs/haskell.md (examples/haskell-chat) prints what its README says it prints.
module ExampleTest (exampleTest) where

import qualified Data.Text as T
import qualified Data.Text.IO as TIO
import System.Process (readProcess)
import Test.Tasty
import Test.Tasty.HUnit
import TestJson (repoPath)

exampleTest :: TestTree
exampleTest = testCase "examples/haskell-chat prints what its README shows" $ do
  readme <- TIO.readFile =<< repoPath "examples/haskell-chat/README.md"
  let afterPrints = drop 1 (dropWhile (/= "prints") (T.lines readme))
      block = takeWhile (/= "```") (drop 2 afterPrints)
  exe <- repoPath "runtime-haskell/.build/bin/haskell-chat"
  out <- readProcess exe [] ""
  T.lines (T.pack out) @?= block
