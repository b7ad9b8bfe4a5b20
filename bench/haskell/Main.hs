-- | The Haskell side of `npm run bench` (bench/README.md), one program with a mode per child:
--
-- > bench-haskell codecs WARMUP REPS N_SMALL N_NESTED N_BLOB    (section 1: prints one JSON line)
-- > [BENCH_NET=shm] bench-haskell server | raw-server            (section 2: JSON lines, bench/harness/child.ts)
-- > BENCH_ADDRESS=unix:PATH|shm:PATH bench-haskell client | raw-client
module Main (main) where

import Codecs (runCodecs)
import Rpc
import System.Environment (getArgs, getEnv)
import System.Exit (die)
import Text.Read (readMaybe)
import Values (ShapeName (..))

main :: IO ()
main = do
  args <- getArgs
  case args of
    ["codecs", w, r, s, n, b] | Just [w', r', s', n', b'] <- mapM readMaybe [w, r, s, n, b] ->
      runCodecs w' r' [(ShapeSmall, s'), (ShapeNested, n'), (ShapeBlob, b')]
    ["server"] -> server
    ["raw-server"] -> rawServer
    ["client"] -> getEnv "BENCH_ADDRESS" >>= client
    ["raw-client"] -> getEnv "BENCH_ADDRESS" >>= rawClient
    _ -> die "usage: bench-haskell codecs WARMUP REPS N_SMALL N_NESTED N_BLOB | server | raw-server | client | raw-client"
