// The C++ target: `interopc gen --lang cpp --out DIR FILES` writes, per IDL module (imports too),
// DIR/<stem>.hpp and DIR/<stem>.cpp (`example.chat` → example_chat.hpp/.cpp) next to the C
// target's DIR/<stem>.h and DIR/<stem>.c, which they build on (ADR 0022): C++17 value types in
// the module's namespace, conversions to and from the C structs (direct calls, JSON), msgpack
// straight from and to the C++ values (ADR 0030), and a codec per declared type. The output
// compiles warning-free with -std=c++17 -Wall -Wextra -Werror under g++ and clang++ and needs
// libinterop and its C++ headers (runtime-c).

import type { Bundle, Module } from '../../ir/types.js';
import { cTarget } from '../c/index.js';
import { moduleFileStem } from './c-names.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { Ctx as CCtx } from '../c/context.js';
import { emitClientDecl, emitClientDefs } from './client.js';
import { emitCodecs, emitConversionDecls, emitConversions } from './codec.js';
import { type Aggregate, Ctx, CodeWriter, cppDoc } from './context.js';
import { emitErrorMapperDecls, emitErrorMapperDefs, emitServerDecl, emitServerDefs } from './server.js';
import { emitHashes } from './hash.js';
import { emitMsgpack, emitMsgpackDecls } from './msgpack.js';
import { declarationOrder, emitAlias, emitConsts, emitEnum, emitRecord, emitUnion } from './types.js';
import { typeName } from './names.js';

function render(bundle: Bundle, module: Module, source: string): GeneratedFile[] {
  const ctx = new Ctx(bundle, module);
  const stem = moduleFileStem(module);
  const aggregates = module.types.filter((t): t is Aggregate => t.kind === 'struct' || t.kind === 'error' || t.kind === 'union');

  const body = new CodeWriter();
  for (const e of module.types) if (e.kind === 'enum') emitEnum(body, e);
  const ordered = declarationOrder(ctx, aggregates);
  // Forward declarations: a list may hold a type declared further down (or itself).
  if (ordered.length > 0) body.line('');
  for (const d of ordered) body.line(`struct ${typeName(d.name, d.annotations)};`);
  for (const d of ordered) {
    if (d.kind === 'union') emitUnion(ctx, body, d);
    else emitRecord(ctx, body, d);
  }
  const aliases = module.types.filter((t) => t.kind === 'alias');
  if (aliases.length > 0) body.line('');
  for (const a of aliases) if (a.kind === 'alias') emitAlias(ctx, body, a);
  emitConsts(ctx, body);
  emitConversionDecls(ctx, body, aggregates);
  emitMsgpackDecls(body, aggregates);
  emitCodecs(ctx, body);
  const c = new CCtx(bundle, module);
  const services = module.functions.length > 0 || module.events.length > 0;
  if (services) {
    emitErrorMapperDecls(body);
    emitClientDecl(ctx, body);
    emitServerDecl(ctx, body);
  }

  const h = new CodeWriter();
  const guard = `${stem.toUpperCase()}_HPP`;
  h.line(generatedHeader('//', source, module));
  h.line(cppDoc(module.doc ?? `Generated C++ code of module ${module.name} ${module.version}.`));
  h.line(`#ifndef ${guard}`);
  h.line(`#define ${guard}`);
  h.line('');
  h.line(`#include "${stem}.h"`);
  for (const m of [...ctx.imports].sort()) h.line(`#include "${moduleFileStem(m)}.hpp"`);
  h.line('');
  h.line('#include <interop/interop.hpp>');
  if (services) {
    h.line('#if __cplusplus >= 202002L');
    h.line('#include <interop/cpp/coro.hpp>');
    h.line('#endif');
  }
  h.line('');
  for (const inc of ['cstddef', 'cstdint', 'exception', 'functional', 'future', 'limits', 'map', 'memory', 'optional', 'string', 'tuple', 'utility', 'variant', 'vector']) h.line(`#include <${inc}>`);
  h.line('');
  h.line(`namespace ${ctx.namespace} {`);
  h.append(body);
  h.line('');
  h.line(`}  // namespace ${ctx.namespace}`);
  emitHashes(ctx, h, ordered);
  h.line(`#endif  // ${guard}`);

  const src = new CodeWriter();
  src.line(generatedHeader('//', source, module));
  src.line(`#include "${stem}.hpp"`);
  src.line('');
  src.line(`namespace ${ctx.namespace} {`);
  emitConversions(ctx, src, aggregates);
  emitMsgpack(ctx, src, aggregates);
  if (services) {
    emitErrorMapperDefs(ctx, src);
    emitClientDefs(ctx, c, src);
    emitServerDefs(ctx, c, src);
  }
  src.line('');
  src.line(`}  // namespace ${ctx.namespace}`);
  return [
    { path: `${stem}.hpp`, content: h.toString() },
    { path: `${stem}.cpp`, content: src.toString() },
  ];
}

export const cppTarget: Target = {
  id: 'cpp',
  displayName: 'C++17 over runtime-c (the C target\'s code plus value types; warning-free with -Wall -Wextra -Werror)',
  async generate(bundle: Bundle, options: TargetOptions): Promise<GeneratedFile[]> {
    const files = [...(await cTarget.generate(bundle, options))];
    for (const m of bundle.modules) {
      if (m.name === 'interop.control') continue;
      files.push(...render(bundle, m, sourceName(m, options)));
    }
    return files;
  },
};

registerTarget(cppTarget);
