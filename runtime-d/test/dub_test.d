/// The dub example of docs/d.md "Building with dub" (examples/d-dub): a package with a path
/// dependency on runtime-d whose `interopc gen` pre-build step writes the D and C code, built and
/// run offline (no registry) by dub, with a HOME of its own; the build output is removed after.
module dub_test;

import std.conv : to;
import std.datetime.systime : Clock;
import std.file : exists, mkdir, remove, rmdirRecurse, tempDir;
import std.path : buildPath;
import std.process : environment, execute;
import std.string : splitLines, strip;
import paths : repoRoot;

@("dub: the example package builds offline with its interopc gen pre-build step, and runs")
unittest {
  const pkg = buildPath(repoRoot, "examples/d-dub");
  const home = buildPath(tempDir, "dub-home-" ~ Clock.currStdTime.to!string);
  mkdir(home);
  scope (exit) {
    rmdirRecurse(home);
    foreach (dir; [buildPath(pkg, ".dub"), buildPath(pkg, "gen"), buildPath(repoRoot, "runtime-d/.dub")])
      if (dir.exists) rmdirRecurse(dir);
    if (buildPath(pkg, "hello-d").exists) remove(buildPath(pkg, "hello-d"));
  }
  auto env = ["HOME": home, "INTEROP_LIB_DIR": environment["INTEROP_LIB_DIR"]];
  auto r = execute(["dub", "run", "--skip-registry=all", "--compiler=ldc2", "--root=" ~ pkg], env);
  assert(r.status == 0, r.output);
  auto lines = r.output.strip.splitLines;
  assert(lines.length && lines[$ - 1] == `{"text":"hello, D","count":2}`, r.output);
}
