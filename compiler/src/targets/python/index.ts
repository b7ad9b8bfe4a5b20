// The Python target: `interopc gen --lang python --out DIR FILES` writes a package into DIR:
// DIR/__init__.py and one file per IDL module (`example.chat` → DIR/example_chat.py) with its
// types, per-type codecs, the XModule descriptor, the XClient stub, the XHandlers base class and
// the XEvents publisher. Files of one package import each other relatively, so DIR can live
// anywhere; at run time they need only the `interop_runtime` package.

import type { Bundle, Module, TypeRef } from '../../ir/types.js';
import { generatedHeader, portableIr, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { emitParamsCodec, emitStructCodec, emitUnionCodec, emitValueCodec, enumRef } from './codec.js';
import { Ctx, Writer, declPyName, paramFields, pyFields, pyStr } from './context.js';
import { emitClient } from './client.js';
import { moduleFileName, pyName } from './names.js';
import { emitDescriptor, emitHandlers, type PayloadCodecs } from './server.js';
import { emitAlias, emitConsts, emitEnum, emitError, emitStruct, emitUnion } from './types.js';

function renderModule(bundle: Bundle, module: Module, source: string): string {
  const ctx = new Ctx(bundle, module);
  const body = new Writer();

  // Declarations: enums first (struct defaults refer to their members), aliases last (their
  // right-hand side is evaluated at import time), constants after everything they can name.
  for (const t of module.types) if (t.kind === 'enum') emitEnum(ctx, body, t);
  for (const t of module.types) {
    if (t.kind === 'struct') emitStruct(ctx, body, t);
    else if (t.kind === 'error') emitError(ctx, body, t);
    else if (t.kind === 'union') emitUnion(ctx, body, t);
  }
  const aliases = module.types.filter((t) => t.kind === 'alias');
  if (aliases.length > 0) body.line('');
  for (const t of aliases) if (t.kind === 'alias') emitAlias(ctx, body, declPyName(t), t.type, t.doc);
  emitConsts(ctx, body);

  // Codecs of every declared type, keyed by IDL name in CODECS (tests and tools look them up).
  body.line('');
  body.line('');
  body.line('# ---- codecs (docs/wire.md §3) ----');
  const byName: string[] = [];
  for (const t of module.types) {
    const key = declPyName(t);
    if (t.kind === 'struct' || t.kind === 'error') emitStructCodec(ctx, body, t, pyFields(t));
    else if (t.kind === 'union') emitUnionCodec(ctx, body, t);
    else if (t.kind === 'enum') emitValueCodec(ctx, body, key, enumRef(ctx, t), t.name);
    else emitValueCodec(ctx, body, key, t.type, t.name);
    byName.push(`${pyStr(t.name)}: _C_${key}`);
  }

  // Payload codecs of functions and events.
  const payloads: PayloadCodecs = new Map();
  const payloadCodec = (key: string, t: TypeRef, label: string): void => {
    if (t.kind === 'ref') {
      payloads.set(key, `${ctx.qualifier(t.module)}_C_${declPyName(ctx.decl(t.module, t.name))}`);
    } else {
      emitValueCodec(ctx, body, key, t, label);
      payloads.set(key, `_C_${key}`);
    }
  };
  for (const fn of module.functions) {
    const method = pyName(fn.name, 'function', fn.annotations);
    // Labels start error messages, as in the TS target: "post.text: …", "history result[0]: …".
    emitParamsCodec(ctx, body, `P_${method}`, fn.name, paramFields(fn.params));
    if (fn.result) payloadCodec(`R_${method}`, fn.result, `${fn.name} result`);
    if (fn.input) payloadCodec(`I_${method}`, fn.input.type, `${fn.name} input`);
    if (fn.output) payloadCodec(`O_${method}`, fn.output, `${fn.name} output`);
  }
  for (const ev of module.events) {
    if (ev.payload) payloadCodec(`E_${pyName(ev.name, 'event', ev.annotations)}`, ev.payload, `${ev.name} event`);
  }
  body.line('');
  body.line(`CODECS: dict[str, _rt.TypeCodec[_t.Any]] = {${byName.join(', ')}}`);
  body.doc('The codec of every type declared in this module, by IDL name.');

  body.line('');
  body.line('');
  body.line('# ---- module descriptor, client, server ----');
  body.line('');
  body.line(`_IR: _t.Any = _json.loads(${pyStr(portableIr(module, source))})`);
  emitDescriptor(ctx, body, payloads);
  emitClient(ctx, body);
  emitHandlers(ctx, body);

  const head = new Writer();
  head.line(generatedHeader('#', source, module));
  head.doc(module.doc ?? `Generated code of module ${module.name} ${module.version}.`);
  head.line('');
  head.line('from __future__ import annotations');
  head.line('');
  head.line('import dataclasses as _dc');
  head.line('import json as _json');
  head.line('import typing as _t');
  head.line('');
  head.line('import interop_runtime as _rt');
  head.line('import interop_runtime.gen_support as _g');
  if (ctx.imports.size > 0) head.line('');
  for (const file of [...ctx.imports].sort()) head.line(`from . import ${file} as _m_${file}`);
  head.line('');
  head.line('_new_object = object.__new__');
  return head.toString() + body.toString();
}

export const pythonTarget: Target = {
  id: 'python',
  displayName: 'Python 3.11+ (asyncio, dataclasses, mypy --strict clean)',
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] {
    const source = (m: Module): string => sourceName(m, options);
    const files: GeneratedFile[] = [];
    // Imported modules are generated too: the roots' types refer to theirs.
    for (const m of bundle.modules) {
      if (m.name === 'interop.control') continue;
      files.push({ path: `${moduleFileName(m)}.py`, content: renderModule(bundle, m, source(m)) });
    }
    const roots = bundle.modules.filter((m) => bundle.roots.includes(m.name));
    const init = new Writer();
    init.line(generatedHeader('#', roots.map(source).join(', ') || 'interop sources'));
    init.doc(`Generated interop package: ${bundle.modules.map((m) => `${m.name} (${moduleFileName(m)}.py)`).join(', ')}.`);
    files.push({ path: '__init__.py', content: init.toString() });
    return files;
  },
};

registerTarget(pythonTarget);
