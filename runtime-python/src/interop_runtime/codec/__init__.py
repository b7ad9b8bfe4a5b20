"""Canonical JSON and msgpack (docs/wire.md §3): the helpers generated encoders and decoders
call, and TypeCodec, the per-type object generated code hands to the runtime."""
