/// The D runtime of interop (docs/d.md): a D layer over runtime-c (ADR 0029). Generated D code
/// imports it as `import rt = interop.runtime;`.
module interop.runtime;

public import std.typecons : Nullable, nullable;
public import interop.runtime.c : interop_type;
public import interop.runtime.codec;
public import interop.runtime.errors;
public import interop.runtime.node;
public import interop.runtime.stream;
public import interop.runtime.library : ModuleLibrary;
public import interop.runtime.c : interop_module, interop_call, interop_error, interop_handler, interop_arena, interop_node, interop_node_endpoint;
public import interop.runtime.values : toC, fromC;
public import interop.runtime.values : Boxed, Id, TaggedUnion, Unit;
