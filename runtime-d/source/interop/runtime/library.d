/// Module libraries (docs/d.md "Module libraries", ADR 0011): a D shared library that interop-node
/// loads next to C, C++ and other D ones. `mixin rt.ModuleLibrary!MyServer;` in one module of the
/// library defines the exported interop_module_entry. druntime is started there (the host is a C
/// program, so nobody else starts it), before the server object is made; the loop thread that
/// later runs the handlers is attached to druntime in `init` when it is not the thread that loaded
/// the library; `fini` ends druntime again. Build the library with `ldc2 -shared
/// -link-defaultlib-shared` so that every D library in the process shares one druntime (one GC).
module interop.runtime.library;

import core.runtime : Runtime;
import core.thread : Thread, thread_attachThis;
import interop.runtime.c;
import interop.runtime.node : ServerBase;

/// Defines `interop_module_entry` for a library whose module is implemented by ServerClass.
mixin template ModuleLibrary(ServerClass) {
  // Returns the const interop_module_impl * of module.h (the pointer is all C sees).
  export extern (C) const(void)* interop_module_entry() {
    import interop.runtime.library : entry;
    return entry!ServerClass();
  }
}

private __gshared ServerBase server;
private __gshared typeof(interop_module_impl.init_) serverInit;

/// Starts druntime, makes the server, and wraps its init and fini with druntime's.
const(interop_module_impl)* entry(ServerClass)() {
  if (server is null) {
    Runtime.initialize();
    server = new ServerClass;
    serverInit = server.impl.init_;
    server.impl.init_ = &libraryInit;
    server.impl.fini_ = &libraryFini;
  }
  return &server.impl;
}

private extern (C) int libraryInit(void* impl, interop_node* node, interop_error* err) nothrow {
  try {
    if (Thread.getThis() is null) thread_attachThis();
    return serverInit(impl, node, err);
  } catch (Throwable e) {
    return interop_error_set(err, 13, "starting the D module library: %.*s", cast(int) e.msg.length, e.msg.ptr);
  }
}

private extern (C) void libraryFini(void*) nothrow {
  try Runtime.terminate(); catch (Throwable) {}
}
