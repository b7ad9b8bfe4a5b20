/// D conformance server (test/conformance/README.md): a node hosting interop.conformance as the
/// node config in INTEROP_NODE_CONFIG says, until SIGTERM.
module server;

import core.sys.posix.signal : pthread_sigmask, sigaddset, sigemptyset, sigset_t, sigwait, SIG_BLOCK, SIGINT, SIGTERM;
import core.thread : Thread;
import std.stdio : stderr;
import rt = interop.runtime;
import impl : Impl;

int main() {
  // SIGTERM and SIGINT are taken by a thread of ours with sigwait (blocked everywhere else, set
  // before any other thread starts), which asks the loop to stop: nothing runs in a signal handler.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, null);
  try {
    auto node = new rt.Node(null, [new Impl]);
    auto raw = node.raw;
    auto waiter = new Thread({
      int signum;
      sigwait(&stopSignals, &signum);
      try rt.post(raw, { node.stop(); }); catch (rt.InteropError) {}
    });
    waiter.isDaemon = true;
    waiter.start();
    node.run();
    node.close();
  } catch (rt.InteropError e) {
    stderr.writeln("conformance server: ", e.msg);
    return 1;
  }
  return 0;
}
