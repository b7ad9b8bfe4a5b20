// Loaded with `node --import tsx --import ./test/conformance/ts/runtime-from-source.mjs`: makes the
// generated code's `import … from '@interop/runtime'` load runtime-ts/src, the same module
// instances the server and client import the node host from. (The package index does not export
// the node host yet; two copies of the runtime would not recognise each other's error classes.)
import { register } from 'node:module';

register('./runtime-from-source-hooks.mjs', import.meta.url);
