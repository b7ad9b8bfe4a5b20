// The module descriptor (runtime-c/include/interop/module.h): parameter records, the functions
// and events tables, the module's IR for the manifest, and the interop_module itself.

import type { FunctionDecl, Module } from '../../ir/types.js';
import { portableIr } from '../common/header.js';
import { emitRecordDescriptor } from './codec.js';
import { Ctx, CodeWriter } from './context.js';
import { moduleFileStem } from './names.js';
import { emitRecord, type Record_ } from './types.js';

/** The functions code is generated for, in declaration order (their index in the descriptor). */
export function callable(m: Module): FunctionDecl[] {
  return m.functions;
}

const KINDS = { call: 'INTEROP_FUNCTION_CALL', oneway: 'INTEROP_FUNCTION_ONEWAY', stream: 'INTEROP_FUNCTION_STREAM' } as const;

export function paramsRecord(ctx: Ctx, fn: FunctionDecl): Record_ {
  const cName = `${ctx.names.fn(fn.name)}_params`;
  return { cName, idlName: `${fn.name} params`, fields: fn.params, kind: 'params', doc: undefined };
}

/** Parameter records in the header: `typedef struct P_fn_params {...} P_fn_params;`. */
export function emitParamsTypes(ctx: Ctx, w: CodeWriter): void {
  for (const fn of callable(ctx.module)) {
    const r = paramsRecord(ctx, fn);
    w.line('');
    w.line(`typedef struct ${r.cName} ${r.cName};`);
    emitRecord(ctx, w, r);
  }
}

/** The module descriptor's name: `example_chat_module`. */
export function moduleVar(moduleName: string): string {
  return `${moduleFileStem(moduleName)}_module`;
}

export function emitModuleDescriptor(ctx: Ctx, w: CodeWriter, source: string): void {
  const m = ctx.module;
  const stem = moduleFileStem(m);
  const fns = callable(m);
  for (const fn of fns) emitRecordDescriptor(ctx, w, paramsRecord(ctx, fn));
  w.line('');
  for (const fn of fns) {
    if (fn.throws.length === 0) continue;
    const name = `${ctx.names.fn(fn.name)}_throws`;
    w.line(`static const interop_type *const ${name}[] = {${fn.throws.map((t) => ctx.descRef(t)).join(', ')}};`);
  }
  if (fns.length > 0) {
    w.block(`static const interop_function ${stem}_functions[] = {`, () => {
      for (const fn of fns) {
        const g = ctx.names.fn(fn.name);
        const result = fn.result ? ctx.descRef(fn.result) : 'NULL';
        const throws = fn.throws.length ? `${g}_throws` : 'NULL';
        const input = fn.input ? ctx.descRef(fn.input.type) : 'NULL';
        const output = fn.output ? ctx.descRef(fn.output) : 'NULL';
        w.line(`{${JSON.stringify(fn.name)}, ${KINDS[fn.kind]}, ${fn.throws.length}, &${g}_params_type, ${result}, ${throws}, ${input}, ${output}},`);
      }
    }, '};');
  }
  if (m.events.length > 0) {
    w.block(`static const interop_event ${stem}_events[] = {`, () => {
      for (const ev of m.events) w.line(`{${JSON.stringify(ev.name)}, ${ev.payload ? ctx.descRef(ev.payload) : 'NULL'}},`);
    }, '};');
  }
  const imports = m.imports.filter((i) => i !== 'interop.control');
  for (const i of imports) ctx.imports.add(i);
  if (imports.length > 0) {
    w.line(`static const interop_module *const ${stem}_imports[] = {${imports.map((i) => `&${moduleVar(i)}`).join(', ')}};`);
  }
  // The IR as bytes, NUL-terminated: a string literal this long is beyond what ISO C promises.
  const ir = new TextEncoder().encode(portableIr(m, source));
  w.line(`static const unsigned char ${stem}_ir[] = {`);
  for (let i = 0; i <= ir.length; i += 32) {
    const part = [...ir.subarray(i, i + 32)].map(String);
    if (i + 32 > ir.length) part.push('0');
    w.line(`  ${part.join(',')},`);
  }
  w.line('};');
  w.block(`const interop_module ${moduleVar(m.name)} = {`, () => {
    w.line('INTEROP_ABI_VERSION,');
    w.line(`${fns.length}, ${m.events.length}, ${imports.length},`);
    w.line(`${JSON.stringify(m.name)}, ${JSON.stringify(m.version)}, ${JSON.stringify(m.fingerprint)}, (const char *)${stem}_ir,`);
    w.line(`${fns.length ? `${stem}_functions` : 'NULL'}, ${m.events.length ? `${stem}_events` : 'NULL'}, ${imports.length ? `${stem}_imports` : 'NULL'},`);
  }, '};');
}
