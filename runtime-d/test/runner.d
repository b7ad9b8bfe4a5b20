/// Runs every `unittest` block of the test modules one by one (not druntime's all-or-nothing
/// module runner), prints one line per failure and the counts, and with an argument writes them as
/// JUnit XML, which scripts/summarize-tests.mjs sums into the suite's `N passed, N failed`.
/// A test block's name is its first string attribute: `@("vectors: canonical") unittest {...}`.
module runner;

import core.runtime : Runtime, UnitTestResult;
import std.array : replace;
import std.conv : to;
import std.datetime.stopwatch : StopWatch, AutoStart;
import std.stdio : File, stderr, writefln;
import std.traits : getUDAs;

import values_test;
import vectors_test;
import hostile_test;
import example_test;
import module_test;
import dub_test;

import std.meta : AliasSeq;

alias testModules = AliasSeq!("values_test", "vectors_test", "hostile_test", "example_test", "module_test", "dub_test");

shared static this() {
  // Our main runs the tests: druntime must not run them first.
  Runtime.extendedModuleUnitTester = () => UnitTestResult(0, 0, true, false);
}

struct Outcome {
  string suite, name, failure;
  double seconds;
}

string nameOf(alias test)() {
  string name = __traits(identifier, test);
  static foreach_reverse (a; __traits(getAttributes, test))
    static if (is(typeof(a) == string)) name = a;
  return name;
}

string xmlEscape(string s) {
  return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
}

int main(string[] args) {
  Outcome[] outcomes;
  static foreach (m; testModules) {
    static foreach (test; __traits(getUnitTests, mixin(m))) {{
      auto sw = StopWatch(AutoStart.yes);
      string failure;
      try {
        test();
      } catch (Throwable e) {
        failure = e.file ~ ":" ~ e.line.to!string ~ ": " ~ e.msg;
      }
      outcomes ~= Outcome(m, nameOf!test, failure, sw.peek.total!"usecs" / 1e6);
    }}
  }
  size_t failed;
  foreach (o; outcomes) {
    if (o.failure.length) {
      failed++;
      stderr.writefln("FAIL %s: %s\n  %s", o.suite, o.name, o.failure);
    }
  }
  writefln("runtime-d: %s passed, %s failed", outcomes.length - failed, failed);
  if (args.length > 1) {
    auto f = File(args[1], "w");
    f.writefln(`<?xml version="1.0" encoding="UTF-8"?>`);
    f.writefln(`<testsuite name="runtime-d" tests="%s" failures="%s">`, outcomes.length, failed);
    foreach (o; outcomes) {
      f.writef(`  <testcase classname="%s" name="%s" time="%.6f"`, o.suite, xmlEscape(o.name), o.seconds);
      if (o.failure.length) f.writefln(`><failure message="%s"/></testcase>`, xmlEscape(o.failure));
      else f.writeln("/>");
    }
    f.writeln("</testsuite>");
  }
  return failed == 0 && outcomes.length > 0 ? 0 : 1;
}
