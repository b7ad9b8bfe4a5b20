// The client and the publisher: per function a std::future form and a callback form, per one-way
// function a send, per event an `on_<event>` subscription (RAII) and a publisher method. They go
// through runtime-c's interop_invoke, so a module in this process is called directly (no
// encoding) and one across a connection is encoded by runtime-c: moving it is a config change.
// Over a link the arguments are not copied (encoded at once) and a msgpack answer is read straight
// into the C++ result (interop_invoke_decoding, ADR 0030).
// Per stream function a method that opens an interop::Stream (streams.ts).

import type { FunctionDecl, Param, TypeRef } from '../../ir/types.js';
import { Ctx as CCtx } from '../c/context.js';
import { cFieldNames, cModuleRef, cParamsName, cTypeOf } from './c-names.js';
import { Ctx, CodeWriter, cppDoc } from './context.js';
import { functionName, memberName, unique } from './names.js';
import { emitStreamOpen, streamType } from './streams.js';
import { mpTag } from './msgpack.js';

/** The module's functions with their index in the module descriptor. */
export function cppFunctions(ctx: Ctx): Array<{ fn: FunctionDecl; index: number }> {
  return ctx.module.functions.map((fn, index) => ({ fn, index }));
}

/** Method names of the client, unique within it (with what the class declares itself). */
export function methodNames(ctx: Ctx): { fns: Map<FunctionDecl, string>; events: string[]; co: Map<FunctionDecl, string> } {
  const fnNames = ctx.module.functions.map((f) => functionName(f.name, f.annotations));
  const evNames = ctx.module.events.map((e) => `on_${functionName(e.name, e.annotations)}`);
  // The C++20 forms come last, so that they never move the name of another method.
  const coNames = fnNames.map((n) => `co_${n}`);
  const all = unique(['with_timeout', ...fnNames, ...evNames, ...coNames]).slice(1);
  const coAll = all.slice(fnNames.length + evNames.length);
  return {
    fns: new Map(ctx.module.functions.map((f, i) => [f, all[i]!])),
    events: all.slice(fnNames.length, fnNames.length + evNames.length),
    co: new Map(ctx.module.functions.map((f, i) => [f, coAll[i]!])),
  };
}

function byValue(t: TypeRef): boolean {
  return (t.kind === 'scalar' && t.name !== 'string' && t.name !== 'bytes') || (t.kind === 'ref' && t.declKind === 'enum');
}

export function paramNames(params: Param[]): string[] {
  return unique(params.map((p) => memberName(p.name, 'param', p.annotations)));
}

function paramList(ctx: Ctx, params: Param[]): string[] {
  const names = paramNames(params);
  return params.map((p, i) => (byValue(p.type) ? `${ctx.cppType(p.type)} ${names[i]}` : `const ${ctx.cppType(p.type)} &${names[i]}`));
}

/** `R` of a function's future: its result type, or void. */
export function resultType(ctx: Ctx, fn: FunctionDecl): string {
  return fn.result ? ctx.cppType(fn.result) : 'void';
}


export function emitClientDecl(ctx: Ctx, w: CodeWriter): void {
  const names = methodNames(ctx);
  w.line('');
  w.line(`/// Calls ${ctx.module.name} through a node: directly when the node hosts it, else over its link.`);
  w.line('/// Use it on the node\'s loop thread; futures are completed there (interop::Node::wait runs the loop).');
  w.block('class Client {', () => {
    w.line(' public:');
    w.line('explicit Client(::interop::Node &node) : Client(node.get()) {}');
    w.line('/// From a handler of a module library: the node its Server::node() gives.');
    w.line('explicit Client(interop_node *node);');
    w.line('/// A copy whose calls wait at most `ms` milliseconds (0: the node\'s default_deadline_ms).');
    w.line('Client with_timeout(std::uint32_t ms) const;');
    for (const { fn } of cppFunctions(ctx)) {
      const doc = cppDoc(fn.doc);
      const name = names.fns.get(fn)!;
      const params = paramList(ctx, fn.params);
      if (doc) w.line(doc);
      if (fn.kind === 'oneway') {
        w.line(`void ${name}(${params.join(', ')}) const;`);
        continue;
      }
      if (fn.kind === 'stream') {
        w.line(`${streamType(ctx, fn)} ${name}(${params.join(', ')}) const;`);
        continue;
      }
      const r = resultType(ctx, fn);
      w.line(`std::future<${r}> ${name}(${params.join(', ')}) const;`);
      w.line(`void ${name}(${[...params, `std::function<void(std::future<${r}>)> done`].join(', ')}) const;`);
      // Inline, so that a C++17 build of the generated .cpp serves a C++20 user of the header.
      const args = [...paramNames(fn.params), 'std::move(done)'].join(', ');
      w.line('#if __cplusplus >= 202002L');
      w.line(`/// \`co_await client.${names.co.get(fn)!}(…)\`: the call as a C++20 awaitable (interop/cpp/coro.hpp).`);
      w.line(`::interop::Call<${r}> ${names.co.get(fn)!}(${params.join(', ')}) const { return ::interop::Call<${r}>([&](auto done) { ${name}(${args}); }); }`);
      w.line('#endif');
    }
    ctx.module.events.forEach((ev, i) => {
      const doc = cppDoc(ev.doc);
      if (doc) w.line(doc);
      const handler = ev.payload ? `std::function<void(const ${ctx.cppType(ev.payload)} &)>` : 'std::function<void()>';
      w.line(`[[nodiscard]] ::interop::Subscription ${names.events[i]}(${handler} handler) const;`);
    });
    w.line('');
    w.line(' private:');
    w.line('interop_invoker *invoker_;');
    w.line('interop_call_options options_{};');
  }, '};');
  if (ctx.module.events.length === 0) return;
  w.line('');
  w.line(`/// Publishes the events of ${ctx.module.name}, from the node that hosts it (on its loop thread).`);
  w.block('class Publisher {', () => {
    w.line(' public:');
    w.line('explicit Publisher(interop_node *node);');
    w.line('explicit Publisher(::interop::Node &node) : Publisher(node.get()) {}');
    ctx.module.events.forEach((ev) => {
      const name = functionName(ev.name, ev.annotations);
      w.line(`void ${name}(${ev.payload ? `const ${ctx.cppType(ev.payload)} &payload` : ''}) const;`);
    });
    w.line('');
    w.line(' private:');
    w.line('interop_publisher *publisher_;');
  }, '};');
}

/** `interop_to_c(std::get<i>(call->args), &call->params.<c field>, call->arena);` per parameter. */
function convertParams(w: CodeWriter, params: Param[], target: string, source: (i: number) => string, arena: string): void {
  const c = cFieldNames(params);
  params.forEach((_, i) => w.line(`interop_to_c(${source(i)}, &${target}.${c[i]}, ${arena});`));
}

export function emitClientDefs(ctx: Ctx, c: CCtx, w: CodeWriter): void {
  const names = methodNames(ctx);
  const mod = cModuleRef(ctx.module.name);
  w.line('');
  w.line(`Client::Client(interop_node *node) : invoker_(::interop::detail::invoker(node, ${mod})) {}`);
  w.block('Client Client::with_timeout(std::uint32_t ms) const {', () => {
    w.line('Client copy = *this;');
    w.line('copy.options_.timeout_ms = ms;');
    w.line('return copy;');
  }, '}');
  for (const { fn, index } of cppFunctions(ctx)) {
    const name = names.fns.get(fn)!;
    const params = paramList(ctx, fn.params);
    const args = paramNames(fn.params);
    const cParams = cParamsName(ctx.bundle, ctx.module.name, fn);
    w.line('');
    if (fn.kind === 'oneway') {
      w.block(`void Client::${name}(${params.join(', ')}) const {`, () => {
        w.line('using ::interop::interop_to_c;');
        w.line('::interop::Arena arena;');
        w.line(`${cParams} params{};`);
        convertParams(w, fn.params, 'params', (i) => args[i]!, 'arena');
        w.line(`::interop::detail::send_oneway(invoker_, ${mod}, ${index}, &params, options_);`);
      }, '}');
      continue;
    }
    if (fn.kind === 'stream') {
      w.block(`${streamType(ctx, fn)} Client::${name}(${params.join(', ')}) const {`, () => {
        emitStreamOpen(ctx, c, w, fn, { cParams, module: mod, index }, () => convertParams(w, fn.params, 'params', (i) => args[i]!, 'arena'));
      }, '}');
      continue;
    }
    const r = resultType(ctx, fn);
    const cResult = fn.result ? cTypeOf(c, fn.result) : 'char';
    const tuple = `std::tuple<${fn.params.map((p) => ctx.cppType(p.type)).join(', ')}>`;
    const pending = `::interop::detail::PendingCall<${r}, ${tuple}, ${cParams}, ${cResult}, ${fn.result ? mpTag(ctx, fn.result) : 'void'}>`;
    const start = (callback: boolean): void => {
      w.line('using ::interop::interop_to_c;');
      w.line(`auto call = std::make_unique<${pending}>();`);
      if (fn.params.length > 0) {
        // A direct call borrows the arguments until it ends: a copy; over a link they are encoded at once.
        w.line('const bool direct = interop_invoker_is_direct(invoker_);');
        w.line(`if (direct) call->args = ${tuple}(${args.join(', ')});`);
      }
      if (callback) w.line('call->callback = std::move(done);');
      w.line('call->errors = &detail::error_from_c;');
      convertParams(w, fn.params, 'call->params', (i) => `direct ? std::get<${i}>(call->args) : ${args[i]}`, 'call->arena');
      w.line(`${callback ? '' : 'return '}::interop::detail::start(invoker_, ${mod}, ${index}, std::move(call), options_, ${fn.result ? 'true' : 'false'});`);
    };
    w.block(`std::future<${r}> Client::${name}(${params.join(', ')}) const {`, () => start(false), '}');
    w.block(`void Client::${name}(${[...params, `std::function<void(std::future<${r}>)> done`].join(', ')}) const {`, () => start(true), '}');
  }
  ctx.module.events.forEach((ev, i) => {
    const handler = ev.payload ? `std::function<void(const ${ctx.cppType(ev.payload)} &)>` : 'std::function<void()>';
    const sub = ev.payload ? `subscribe<${ctx.cppType(ev.payload)}, ${cTypeOf(c, ev.payload)}>` : 'subscribe';
    w.block(`::interop::Subscription Client::${names.events[i]}(${handler} handler) const {`, () => {
      w.line(`return ::interop::detail::${sub}(invoker_, ${mod}, ${i}, std::move(handler));`);
    }, '}');
  });
  if (ctx.module.events.length === 0) return;
  w.line('');
  w.line(`Publisher::Publisher(interop_node *node) : publisher_(::interop::detail::publisher(node, ${mod})) {}`);
  ctx.module.events.forEach((ev, i) => {
    const name = functionName(ev.name, ev.annotations);
    w.block(`void Publisher::${name}(${ev.payload ? `const ${ctx.cppType(ev.payload)} &payload` : ''}) const {`, () => {
      w.line(ev.payload ? `::interop::detail::publish<${cTypeOf(c, ev.payload)}>(publisher_, ${mod}, ${i}, payload);` : `::interop::detail::publish(publisher_, ${mod}, ${i});`);
    }, '}');
  });
}
