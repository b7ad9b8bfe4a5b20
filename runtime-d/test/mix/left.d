/// mix.left as a D module library (docs/d.md "Module libraries"): twice() answers with the peer it
/// was called from; relay() calls mix.right (a C library in the same interop-node) through the
/// generated D client, directly, and answers later with what it got.
module left;

import rt = interop.runtime;
import ml = mix.left;
import mr = mix.right;

final class Left : ml.Server {
  override ml.Twice twice(long n) {
    return ml.Twice(2 * n, rt.callPeer());
  }

  override ml.Twice relay(long n) {
    auto reply = rt.Reply!(ml.Twice).later();  // a handler must not block: answer when right does
    mr.Client(new rt.Node(node)).twiceAsync(n).then((rt.Pending!(mr.Twice) answer) {
      try {
        auto t = answer.get();
        reply(ml.Twice(t.value, t.peer));
      } catch (Exception e) {
        reply.fail(e);
      }
    });
    return ml.Twice.init;
  }
}

mixin rt.ModuleLibrary!Left;
