-- | The Haskell runtime's tests (runtime-haskell/test.sh builds and runs them; scripts/test.sh
-- adds their counts to the suite's total through the JUnit XML that --xml writes).
module Main (main) where

import ConnectionTests
import ExampleTest
import FrameVectors
import HandshakeVectors
import HostileTests
import PayloadVectors
import Properties
import StreamTests
import Test.Tasty
import Test.Tasty.Runners.AntXML (antXMLRunner)

main :: IO ()
main = do
  payloads <- payloadVectorTests
  frames <- frameVectorTests
  handshakes <- handshakeVectorTests
  defaultMainWithIngredients (antXMLRunner : defaultIngredients) $
    testGroup "runtime-haskell" [payloads, frames, handshakes, propertyTests, connectionTests, streamTests, hostileTests, exampleTest]
