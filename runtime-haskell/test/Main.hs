-- | The Haskell runtime's tests (runtime-haskell/test.sh builds and runs them; scripts/test.sh
-- adds their counts to the suite's total through the JUnit XML that --xml writes).
module Main (main) where

import PayloadVectors
import Test.Tasty
import Test.Tasty.Runners.AntXML (antXMLRunner)

main :: IO ()
main = do
  payloads <- payloadVectorTests
  defaultMainWithIngredients (antXMLRunner : defaultIngredients) $
    testGroup "runtime-haskell" [payloads]
