// The module descriptor (name, version, fingerprint, IR, imports, functions, events, errors), the
// record of each function's parameters with its codec, and the spec of each function and event
// (target, payload codecs, declared errors) that the client, the server and the publisher share.

import type { FunctionDecl, TypeRef } from '../../ir/types.js';
import { portableIr } from '../common/header.js';
import { emitRecordCodec } from './codec.js';
import { type Ctx, type Writer, atom, hsStr } from './context.js';
import { emitProductInstances } from './types.js';

/** The functions a target generates code for: all of them. */
export function functionsOf(ctx: Ctx): FunctionDecl[] {
  return ctx.module.functions;
}

/** A stream's item types as Haskell types: `()` for a direction it does not have. */
export function streamTypes(ctx: Ctx, fn: FunctionDecl): { input: string; output: string } {
  return {
    input: fn.input ? ctx.hsType(fn.input.type) : '()',
    output: fn.output ? ctx.hsType(fn.output) : '()',
  };
}

/** The record of a function's parameters: `Params'post` (the `'` keeps it clear of IDL names). */
export function paramsType(ctx: Ctx, fn: FunctionDecl): string {
  return `Params'${ctx.names.client.get(fn.name)!}`;
}

/** The spec of a function or event: `call'post`, `oneway'typing`, `event'messagePosted`. */
export function specName(ctx: Ctx, what: 'call' | 'oneway' | 'stream' | 'event', name: string): string {
  const key = what === 'event' ? `event:${name}` : name;
  return `${what}'${ctx.names.client.get(key)!}`;
}

export function resultType(ctx: Ctx, t: TypeRef | undefined): string {
  return t === undefined ? '()' : ctx.hsType(t);
}

function payloadCodec(t: TypeRef | undefined): string {
  return t === undefined ? 'G.emptyPayload' : 'G.valuePayload';
}

function errorSpecs(ctx: Ctx, throws: TypeRef[]): string {
  return `[${throws.map((t) => (t.kind === 'ref' ? `G.errorSpec (G.Proxy :: G.Proxy ${ctx.typeName(t.module, t.name)})` : '')).join(', ')}]`;
}

function fnKind(fn: FunctionDecl): string {
  if (fn.kind === 'oneway') return 'G.FnOneway';
  if (fn.kind === 'stream') return `(G.FnStream ${fn.input ? 'P.True' : 'P.False'} ${fn.output ? 'P.True' : 'P.False'})`;
  return 'G.FnCall';
}

export function emitDescriptor(ctx: Ctx, w: Writer): void {
  const m = ctx.module;
  const value = ctx.names.api.moduleValue;
  const fns = functionsOf(ctx);
  const errors = new Map<string, TypeRef>();
  for (const fn of fns) for (const t of fn.throws) if (t.kind === 'ref') errors.set(`${t.module}.${t.name}`, t);
  const imports = m.imports.filter((i) => i !== 'interop.control' && ctx.bundle.modules.some((b) => b.name === i));

  w.line('');
  w.line('-- ---- module descriptor, specs, client, server ----');
  for (const fn of fns) {
    const type = paramsType(ctx, fn);
    w.line('');
    w.line(`-- | The parameters of ${fn.name}, as they travel (docs/wire.md §3.3).`);
    w.line(`data ${type} = ${type}${fn.params.map((p) => ` !${atom(ctx.hsType(p.type))}`).join('')}`);
    emitProductInstances(w, { type, arity: fn.params.length, ord: false });
    const vars = fn.params.map((_, i) => `a${i}`);
    emitRecordCodec(ctx, w, {
      type,
      ctor: type,
      label: `${m.name}.${fn.name} params`,
      fields: fn.params,
      get: (_f, i) => vars[i]!,
      pattern: vars.length === 0 ? '_' : `(${type} ${vars.join(' ')})`,
    });
  }

  w.line('');
  w.doc(`The descriptor of ${m.name}: what the runtime needs to serve, call and describe it.`);
  w.line(`${value} :: G.ModuleDesc`);
  w.line(`${value} =`);
  w.indent(() => {
    w.line('G.withCompat G.ModuleDesc');
    w.indent(() => {
      w.line(`{ G.mdName = ${hsStr(m.name)}`);
      w.line(`, G.mdVersion = ${hsStr(m.version)}`);
      w.line(`, G.mdFingerprint = ${hsStr(m.fingerprint)}`);
      w.line(`, G.mdIr = ${hsStr(Buffer.from(portableIr(m, ctx.sourceName), 'utf8').toString('latin1'))}`);
      w.line(`, G.mdImports = [${imports.map((i) => ctx.qualify(i, ctx.namesOf(i).api.moduleValue)).join(', ')}]`);
      w.line(`, G.mdFunctions = [${fns.map((f) => `(${hsStr(f.name)}, ${fnKind(f)})`).join(', ')}]`);
      w.line(`, G.mdEvents = [${m.events.map((e) => hsStr(e.name)).join(', ')}]`);
      w.line(`, G.mdErrors = ${errorSpecs(ctx, [...errors.values()])}`);
      w.line(', G.mdCompat = P.Nothing');
      w.line('}');
    });
  });

  for (const fn of fns) {
    w.line('');
    if (fn.kind === 'stream') {
      const spec = specName(ctx, 'stream', fn.name);
      const { input, output } = streamTypes(ctx, fn);
      const item = (t: TypeRef | undefined) => (t ? '(P.Just G.valuePayload)' : 'P.Nothing');
      w.line(`${spec} :: G.StreamSpec ${paramsType(ctx, fn)} ${atom(input)} ${atom(output)} ${atom(resultType(ctx, fn.result))}`);
      w.line(
        `${spec} = G.streamSpec ${value} ${hsStr(fn.name)} G.paramsPayload ${item(fn.input?.type)} ${item(fn.output)} ` +
          `${payloadCodec(fn.result)} ${errorSpecs(ctx, fn.throws)}`,
      );
    } else if (fn.kind === 'oneway') {
      const spec = specName(ctx, 'oneway', fn.name);
      w.line(`${spec} :: G.OnewaySpec ${paramsType(ctx, fn)}`);
      w.line(`${spec} = G.onewaySpec ${value} ${hsStr(fn.name)} G.paramsPayload`);
    } else {
      const spec = specName(ctx, 'call', fn.name);
      w.line(`${spec} :: G.CallSpec ${paramsType(ctx, fn)} ${atom(resultType(ctx, fn.result))}`);
      w.line(`${spec} = G.callSpec ${value} ${hsStr(fn.name)} G.paramsPayload ${payloadCodec(fn.result)} ${errorSpecs(ctx, fn.throws)}`);
    }
  }
  for (const ev of m.events) {
    const spec = specName(ctx, 'event', ev.name);
    w.line('');
    w.line(`${spec} :: G.EventSpec ${atom(resultType(ctx, ev.payload))}`);
    w.line(`${spec} = G.eventSpec ${value} ${hsStr(ev.name)} ${payloadCodec(ev.payload)}`);
  }
}
