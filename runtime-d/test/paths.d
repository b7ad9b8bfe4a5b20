/// Where the tests find the repository's shared test data (test/vectors): the INTEROP_REPO_ROOT
/// environment variable runtime-d/test.sh sets.
module paths;

import std.process : environment;

string repoRoot() {
  return environment.get("INTEROP_REPO_ROOT", "../..");
}
