-- | The Haskell runtime's tests (runtime-haskell/test.sh builds and runs them; scripts/test.sh
-- adds their counts to the suite's total through the JUnit XML that --xml writes).
module Main (main) where

import ConnectionTests
import ExampleTest
import FlatbufferVectors
import FlatbuffersTests
import FrameVectors
import HandshakeVectors
import HostileTests
import PayloadVectors
import ProtobufVectors
import ShmTests
import Properties
import StreamTests
import Test.Tasty
import Test.Tasty.Runners.AntXML (antXMLRunner)
import qualified Data.Text as T
import System.Environment (lookupEnv)

main :: IO ()
main = lookupEnv "INTEROP_TEST_SHM_CHILD" >>= maybe tests (shmChild . T.pack)

tests :: IO ()
tests = do
  payloads <- payloadVectorTests
  protobufs <- protobufVectorTests
  frames <- frameVectorTests
  handshakes <- handshakeVectorTests
  fbVectors <- flatbufferVectorTests
  defaultMainWithIngredients (antXMLRunner : defaultIngredients) $
    testGroup "runtime-haskell" [payloads, protobufs, frames, handshakes, propertyTests, fbVectors, flatbuffersTests, connectionTests, streamTests, hostileTests, shmTests, exampleTest]
