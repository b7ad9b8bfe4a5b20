/// The D runtime of interop (docs/d.md): a D layer over runtime-c (ADR 0028). Generated D code
/// imports it as `import rt = interop.runtime;`.
module interop.runtime;

public import std.typecons : Nullable, nullable;
public import interop.runtime.c : interop_type;
public import interop.runtime.codec;
public import interop.runtime.errors;
public import interop.runtime.values : Id, TaggedUnion, Unit;
