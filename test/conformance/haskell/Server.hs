-- | Haskell conformance server (test/conformance/README.md): hosts interop.conformance as the node
-- config in INTEROP_NODE_CONFIG says (listen on unix/tcp, or serve stdio as a plugin) until
-- SIGTERM, or until its parent goes when it is a plugin.
module Main (main) where

import Data.IORef
import Impl
import Interop.Conformance
import Interop.Runtime

main :: IO ()
main = do
  (handlers, events) <- conformanceImplementation
  node <- startNode defaultNodeOptions {nodeServices = [conformanceService handlers], nodeModules = [conformanceModule]}
  writeIORef events (Just (conformanceEvents (nodePublisher node)))
  awaitStop node
  closeNode node 500
