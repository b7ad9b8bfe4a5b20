// Module resolve hook for runtime-from-source.mjs: '@interop/runtime' → runtime-ts/src/index.ts.
// The specifier is rewritten and handed on, so tsx's own resolver maps index.js to index.ts and
// marks it for transpiling.
const RUNTIME_INDEX = new URL('../../../runtime-ts/src/index.js', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === '@interop/runtime' ? RUNTIME_INDEX : specifier, context);
}
