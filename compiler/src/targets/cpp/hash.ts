// std::hash for the generated structs and unions (runtime-c/include/interop/cpp/hash.hpp): a
// value's hash combines its fields' (a union's: its variant), so equal values hash alike. Every
// specialization is declared before any is defined, so types that hold each other (through a
// list or a map) hash each other. Errors are exceptions, not values: they get none.

import { Ctx, CodeWriter, type Aggregate } from './context.js';
import { fieldNames } from './types.js';

export function emitHashes(ctx: Ctx, w: CodeWriter, ordered: Aggregate[]): void {
  const values = ordered.filter((d) => d.kind !== 'error');
  if (values.length === 0) return;
  const name = (d: Aggregate) => ctx.declName(ctx.module.name, d.name);
  w.line('');
  w.block('namespace std {', () => {
    for (const d of values) w.line(`template <> struct hash<${name(d)}> { std::size_t operator()(const ${name(d)} &v) const noexcept; };`);
  }, '}  // namespace std');
  for (const d of values) {
    const members = d.kind === 'union' ? ['value'] : fieldNames(d);
    w.block(`inline std::size_t std::hash<${name(d)}>::operator()(const ${name(d)} &v) const noexcept {`, () => {
      w.line(`std::size_t seed = ${members.length};`);
      for (const m of members) w.line(`::interop::hash_combine(seed, ::interop::hash_value(v.${m}));`);
      w.line('return seed;');
    }, '}');
  }
}
