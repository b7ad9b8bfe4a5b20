// The C target: `interopc gen --lang c --out DIR FILES` writes, per IDL module (imports too),
// DIR/<prefix>.h and DIR/<prefix>.c (`example.chat` → example_chat.h/.c): plain C structs,
// open enums, tagged unions, the lists, maps and optionals they use, the type descriptors the
// runtime's codecs interpret, typed encode/decode wrappers and a table of the module's types.
// The output compiles warning-free with -std=c11 -Wall -Wextra -Werror under gcc and clang and
// needs only libinterop (runtime-c).

import type { Bundle, Module, TypeDecl } from '../../ir/types.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { emitAliasDescriptor, emitContainerDescriptors, emitEnumDescriptor, emitRecordDescriptor, emitUnionDescriptor } from './codec.js';
import { emitClient } from './client.js';
import { emitConsts } from './consts.js';
import { callable, emitModuleDescriptor, emitParamsTypes, moduleVar } from './descriptor.js';
import { emitServerAdapters, emitServerTypes } from './server.js';
import { CodeWriter, Ctx, cDoc } from './context.js';
import { moduleFileStem } from './names.js';
import { byValueOrder, emitContainers, emitEnum, emitRecord, emitUnion, type Record_ } from './types.js';

type Aggregate = Extract<TypeDecl, { kind: 'struct' | 'error' | 'union' }>;

function record(ctx: Ctx, d: Extract<TypeDecl, { kind: 'struct' | 'error' }>): Record_ {
  return { cName: ctx.names.type(d.name), idlName: d.name, doc: d.doc, fields: d.fields, kind: d.kind };
}

/** Typed wrappers of interop_encode/interop_decode for one type. */
function emitCodecWrappers(w: CodeWriter, cName: string): void {
  w.line(`static inline int ${cName}_encode(const ${cName} *v, interop_codec codec, interop_buf *out, interop_error *err) {`);
  w.line(`  return interop_encode(&${cName}_type, v, codec, INTEROP_DEFAULT_MAX_DEPTH, out, err);`);
  w.line('}');
  w.line(`static inline int ${cName}_decode(const uint8_t *data, size_t len, interop_codec codec, interop_arena *arena, ${cName} *out, interop_error *err) {`);
  w.line(`  return interop_decode(&${cName}_type, data, len, codec, INTEROP_DEFAULT_MAX_DEPTH, arena, out, err);`);
  w.line('}');
}

function render(bundle: Bundle, module: Module, source: string): GeneratedFile[] {
  const ctx = new Ctx(bundle, module);
  const stem = moduleFileStem(module);
  const guard = `${stem.toUpperCase()}_H`;
  const aggregates = module.types.filter((t): t is Aggregate => t.kind === 'struct' || t.kind === 'error' || t.kind === 'union');
  const enums = module.types.filter((t) => t.kind === 'enum');
  const aliases = module.types.filter((t) => t.kind === 'alias');

  // Header body first: declaring members registers the containers the typedefs section needs.
  const defs = new CodeWriter();
  for (const d of byValueOrder(ctx, aggregates)) {
    if (d.kind === 'union') emitUnion(ctx, defs, d);
    else emitRecord(ctx, defs, record(ctx, d));
  }
  const aliasDefs = new CodeWriter();
  for (const a of aliases) {
    const name = ctx.names.type(a.name);
    const doc = cDoc(a.doc);
    if (doc) aliasDefs.line(doc);
    const ct = ctx.cType(a.type);
    aliasDefs.line(ct.endsWith('*') ? `typedef ${ct}${name};` : `typedef ${ct} ${name};`);
  }
  const consts = new CodeWriter();
  const constDefs = new CodeWriter();
  emitConsts(ctx, consts, constDefs);
  const params = new CodeWriter();
  emitParamsTypes(ctx, params);
  const api = new CodeWriter();
  emitClient(ctx, api);
  emitServerTypes(ctx, api);
  // The source's descriptors (written before the header is assembled: they may add imports).
  const body = new CodeWriter();
  for (const d of aggregates) {
    if (d.kind === 'union') emitUnionDescriptor(ctx, body, d);
    else emitRecordDescriptor(ctx, body, record(ctx, d));
  }
  for (const e of enums) if (e.kind === 'enum') emitEnumDescriptor(ctx, body, e);
  for (const a of aliases) if (a.kind === 'alias') emitAliasDescriptor(ctx, body, a);
  emitModuleDescriptor(ctx, body, source);
  emitServerAdapters(ctx, body);
  const forward = new CodeWriter();
  const containerDefs = new CodeWriter();
  emitContainerDescriptors(ctx, forward, containerDefs);

  const named = module.types.map((t) => ({ t, cName: ctx.names.type(t.name) }));
  const h = new CodeWriter();
  h.line(generatedHeader('//', source, module));
  h.line(cDoc(module.doc ?? `Generated C code of module ${module.name} ${module.version}.`));
  h.line(`#ifndef ${guard}`);
  h.line(`#define ${guard}`);
  h.line('');
  h.line('#include <interop/interop.h>');
  for (const m of [...ctx.imports].sort()) h.line(`#include "${moduleFileStem(m)}.h"`);
  h.line('');
  h.line('#ifdef __cplusplus');
  h.line('extern "C" {');
  h.line('#endif');
  if (aggregates.length > 0) h.line('');
  for (const d of aggregates) {
    const name = ctx.names.type(d.name);
    h.line(`typedef struct ${name} ${name};`);
  }
  for (const e of enums) if (e.kind === 'enum') emitEnum(ctx, h, e);
  emitContainers(ctx, h);
  h.line('');
  h.append(defs);
  h.append(params);
  if (!aliasDefs.empty) h.line('');
  h.append(aliasDefs);
  h.append(consts);
  h.line('');
  h.line('/* Type descriptors (runtime-c/include/interop/types.h). */');
  for (const { t, cName } of named) {
    if (t.kind === 'alias' && t.type.kind === 'ref') h.line(`#define ${cName}_type ${ctx.descRef(t.type).slice(1)}`);
    else h.line(`extern const interop_type ${cName}_type;`);
  }
  h.line(`/** Every type this module declares, by qualified IDL name. */`);
  h.line(`extern const interop_named_type ${stem}_types[];`);
  h.line(`extern const size_t ${stem}_types_count;`);
  h.line(`/** The module descriptor (runtime-c/include/interop/module.h). */`);
  h.line(`extern const interop_module ${moduleVar(module.name)};`);
  for (const fn of callable(module)) h.line(`extern const interop_type ${ctx.names.fn(fn.name)}_params_type;`);
  h.line('');
  for (const { cName } of named) emitCodecWrappers(h, cName);
  h.append(api);
  h.line('');
  h.line('#ifdef __cplusplus');
  h.line('}');
  h.line('#endif');
  h.line(`#endif /* ${guard} */`);

  const c = new CodeWriter();
  c.line(generatedHeader('//', source, module));
  c.line(`#include "${stem}.h"`);
  c.line('');
  c.line('#include <math.h>');
  c.line('#include <stdalign.h>');
  c.line('#include <stddef.h>');
  c.line('#include <string.h>');
  if (!forward.empty) c.line('');
  c.append(forward);
  c.line('');
  c.append(body);
  if (!containerDefs.empty) c.line('');
  c.append(containerDefs);
  c.append(constDefs);
  c.line('');
  c.block(`const interop_named_type ${stem}_types[] = {`, () => {
    for (const { t, cName } of named) c.line(`{${JSON.stringify(`${module.name}.${t.name}`)}, &${cName}_type},`);
    if (named.length === 0) c.line('{NULL, NULL},');
  }, '};');
  c.line(`const size_t ${stem}_types_count = ${named.length};`);
  return [
    { path: `${stem}.h`, content: h.toString() },
    { path: `${stem}.c`, content: c.toString() },
  ];
}

export const cTarget: Target = {
  id: 'c',
  displayName: 'C11 (libinterop from runtime-c; warning-free with -Wall -Wextra -Werror)',
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] {
    const files: GeneratedFile[] = [];
    for (const m of bundle.modules) {
      if (m.name === 'interop.control') continue;
      files.push(...render(bundle, m, sourceName(m, options)));
    }
    return files;
  },
};

registerTarget(cTarget);
