// Calling a module from D: the parameter structs of its functions, the mapping from runtime-c's
// errors to the generated error classes, the Client (a blocking and a Pending form of every call,
// one-way calls, event subscriptions) and the Publisher of its events. Calls go through runtime-c's
// invokers (direct when the node hosts the module, else over a link: the code is the same).
// A stream function returns an rt.Stream (blocking write/next/finish, cancel). Functions and events
// are named by their index in the module descriptor, which is their IR order (../c/descriptor.ts).

import type { FunctionDecl } from '../../ir/types.js';
import { moduleVar } from '../c/descriptor.js';
import { type Ctx, CodeWriter, dDoc } from './context.js';
import { functionName, memberName, unique } from './names.js';

export function paramNames(fn: FunctionDecl): string[] {
  return unique(fn.params.map((p) => memberName(p.name, 'param', p.annotations)));
}

/** The D type of a function's result ('void' for none). */
export function resultType(ctx: Ctx, fn: FunctionDecl): string {
  return fn.result ? ctx.dType(fn.result) : 'void';
}

function doc(w: CodeWriter, text: string | undefined): void {
  const d = dDoc(text);
  if (d) w.line(d);
}

export function emitModuleDecl(ctx: Ctx, w: CodeWriter): void {
  w.line('');
  w.line(`extern (C) extern __gshared const rt.interop_module ${moduleVar(ctx.module.name)};`);
}

/** `Params.add(a, b)`: the parameters of each function as the struct the wire carries. */
export function emitParams(ctx: Ctx, w: CodeWriter): void {
  w.line('');
  w.line('/// The parameters of each function, as the wire carries them.');
  w.block('struct Params {', () => {
    for (const fn of ctx.module.functions) {
      const names = paramNames(fn);
      w.block(`static struct ${functionName(fn.name, fn.annotations)} {`, () => {
        fn.params.forEach((p, i) => w.line(`@(rt.Id(${p.id})) ${ctx.dType(p.type)} ${names[i]};`));
      }, '}');
    }
  }, '}');
}

/** Declared errors arrive as their generated class (any module's, when this module throws it). */
export function emitErrorMapper(ctx: Ctx, w: CodeWriter): void {
  const seen = new Map<string, string>();
  for (const fn of ctx.module.functions) {
    for (const t of fn.throws) {
      if (t.kind !== 'ref') continue;
      const key = `${t.module}.${t.name}`;
      if (!seen.has(key)) seen.set(key, ctx.declName(t.module, t.name));
    }
  }
  w.line('');
  w.block('private rt.InteropError interopMapError(ref const rt.interop_error err) {', () => {
    if (seen.size > 0) {
      w.block('if (err.code == rt.Code.applicationError && err.detail !is null) {', () => {
        for (const cls of seen.values()) {
          w.block(`if (err.type is ${cls}.interopDescriptor) {`, () => {
            w.line(`${cls} e;`);
            w.line('rt.fromC(e, err.type, err.detail);');
            w.line('return e;');
          }, '}');
        }
      }, '}');
    }
    w.line('return rt.plainError(err);');
  }, '}');
}

export function emitClient(ctx: Ctx, w: CodeWriter): void {
  const m = `&${moduleVar(ctx.module.name)}`;
  const fns = ctx.module.functions;
  const calls = fns.filter((f) => f.kind === 'call');
  // One scope: the blocking name, its Pending twin and every event's `on` method.
  const taken = unique([
    ...fns.map((f) => functionName(f.name, f.annotations)),
    ...calls.map((f) => `${functionName(f.name, f.annotations)}Async`),
    ...ctx.module.events.map((e) => functionName(`on_${e.name}`, e.annotations)),
    'withTimeout', 'node',
  ]);
  const blocking = taken.slice(0, fns.length);
  const asyncNames = taken.slice(fns.length, fns.length + calls.length);
  const onNames = taken.slice(fns.length + calls.length, fns.length + calls.length + ctx.module.events.length);
  w.line('');
  w.line(`/// Calls module ${ctx.module.name} through a node: directly when the node hosts it, else over`);
  w.line('/// the link its config names. Every call blocks running the node\'s loop; its `…Async` twin');
  w.line('/// returns an rt.Pending to wait for with `node.wait(p)`.');
  w.block('struct Client {', () => {
    w.line('private rt.Node node_;');
    w.line('private uint timeoutMs_;');
    w.line('this(rt.Node node) { node_ = node; }');
    w.line('/// A copy whose calls have this deadline (0: the node\'s default_deadline_ms).');
    w.line('Client withTimeout(uint ms) { Client c = this; c.timeoutMs_ = ms; return c; }');
    w.line('/// The node calls go through.');
    w.line('rt.Node node() { return node_; }');
    let ci = 0;
    fns.forEach((fn, i) => {
      const names = paramNames(fn);
      const params = fn.params.map((p, j) => `${ctx.dType(p.type)} ${names[j]}`).join(', ');
      const args = `Params.${functionName(fn.name, fn.annotations)}(${names.join(', ')})`;
      w.line('');
      doc(w, fn.doc);
      if (fn.kind === 'stream') {
        const types = `${fn.input ? ctx.dType(fn.input.type) : 'void'}, ${fn.output ? ctx.dType(fn.output) : 'void'}, ${resultType(ctx, fn)}`;
        w.block(`rt.Stream!(${types}) ${blocking[i]}(${params}) {`, () => {
          w.line(`return rt.openStream!(${types})(node_, ${m}, ${ctx.module.functions.indexOf(fn)} /* ${fn.name} */, ${args}, timeoutMs_, &interopMapError);`);
        }, '}');
        return;
      }
      if (fn.kind === 'oneway') {
        w.line(`void ${blocking[i]}(${params}) { rt.sendOneway(node_, ${m}, ${ctx.module.functions.indexOf(fn)} /* ${fn.name} */, ${args}, timeoutMs_); }`);
        return;
      }
      const r = resultType(ctx, fn);
      const a = asyncNames[ci++]!;
      w.line(`${r} ${blocking[i]}(${params}) { ${r === 'void' ? '' : 'return '}node_.wait(${a}(${names.join(', ')})); }`);
      w.block(`rt.Pending!(${r}) ${a}(${params}) {`, () => {
        w.line(`return rt.invoke!(${r})(node_, ${m}, ${ctx.module.functions.indexOf(fn)} /* ${fn.name} */, ${args}, timeoutMs_, &interopMapError);`);
      }, '}');
    });
    ctx.module.events.forEach((e, i) => {
      w.line('');
      doc(w, e.doc);
      const handler = e.payload ? `void delegate(${ctx.dType(e.payload)}) handler` : 'void delegate() handler';
      const call = e.payload ? `rt.subscribe!(${ctx.dType(e.payload)})` : 'rt.subscribe';
      w.line(`rt.Subscription ${onNames[i]}(${handler}) { return ${call}(node_, ${m}, ${ctx.module.events.indexOf(e)} /* ${e.name} */, handler); }`);
    });
  }, '}');
}

export function emitPublisher(ctx: Ctx, w: CodeWriter): void {
  if (ctx.module.events.length === 0) return;
  const m = `&${moduleVar(ctx.module.name)}`;
  const names = unique(ctx.module.events.map((e) => functionName(e.name, e.annotations)));
  w.line('');
  w.line(`/// Publishes the events of module ${ctx.module.name}, hosted by the node given.`);
  w.block('struct Publisher {', () => {
    w.line('private rt.interop_node* node_;');
    w.line('this(rt.interop_node* node) { node_ = node; }');
    w.line('this(rt.Node node) { node_ = node.raw; }');
    ctx.module.events.forEach((e, i) => {
      doc(w, e.doc);
      if (e.payload) w.line(`void ${names[i]}(${ctx.dType(e.payload)} payload) { rt.publish(node_, ${m}, ${ctx.module.events.indexOf(e)} /* ${e.name} */, payload); }`);
      else w.line(`void ${names[i]}() { rt.publish(node_, ${m}, ${ctx.module.events.indexOf(e)} /* ${e.name} */, null); }`);
    });
  }, '}');
}
