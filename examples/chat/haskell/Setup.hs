-- | The build hook of docs/use-haskell.md: `cabal build` runs `interopc gen --lang haskell` on the
-- schemas that the .cabal file names in @x-interop-schemas@, into @x-interop-out@ (default gen),
-- before it compiles anything, so the generated modules are never older than the schemas.
-- interopc is the one of node_modules/.bin in this directory or a parent (npm install --save-dev
-- interopc), else the one on PATH; INTEROPC overrides both. Why a Custom setup: docs/adr/0032.
import Distribution.PackageDescription (PackageDescription (customFieldsPD))
import Distribution.Simple
import System.Directory (doesFileExist, findExecutable, getCurrentDirectory)
import System.Environment (lookupEnv)
import System.Exit (die)
import System.FilePath (takeDirectory, (</>))
import System.Process (callProcess)

main :: IO ()
main = defaultMainWithHooks simpleUserHooks {buildHook = \pd lbi hooks flags -> generate pd >> buildHook simpleUserHooks pd lbi hooks flags}

generate :: PackageDescription -> IO ()
generate pd = do
  let field name = lookup name (customFieldsPD pd)
      schemas = maybe [] words (field "x-interop-schemas")
      out = maybe "gen" (unwords . words) (field "x-interop-out")
  interopc <- maybe (getCurrentDirectory >>= findInteropc) pure =<< lookupEnv "INTEROPC"
  callProcess interopc (["gen", "--lang", "haskell", "--out", out] <> schemas)

-- | node_modules/.bin/interopc here or in a parent directory, as npm would find it; else on PATH.
findInteropc :: FilePath -> IO FilePath
findInteropc dir = do
  let candidate = dir </> "node_modules" </> ".bin" </> "interopc"
  found <- doesFileExist candidate
  if found
    then pure candidate
    else if takeDirectory dir /= dir
      then findInteropc (takeDirectory dir)
      else findExecutable "interopc" >>= maybe (die missing) pure
  where
    missing = "Setup.hs: interopc not found in node_modules/.bin (here or above) nor on PATH: run `npm install --save-dev interopc` here, or set INTEROPC to its path (docs/use-haskell.md)"
