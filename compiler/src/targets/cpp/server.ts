// The server: an abstract class per module with one virtual handler per function (the default
// answers UNIMPLEMENTED), and the module ABI's table of C handlers (ADR 0011) that convert the C
// params to C++, call the virtual, and write the reply back; exceptions never cross the ABI.
// Also the two error mappers: a C error to the C++ exception a caller gets, and back.

import type { FunctionDecl, TypeRef } from '../../ir/types.js';
import { Ctx as CCtx } from '../c/context.js';
import { cDeclName, cFieldNames, cModuleRef, cParamsName, cTypeOf } from './c-names.js';
import { cppFunctions, methodNames, paramNames, resultType } from './client.js';
import { Ctx, CodeWriter, cppDoc } from './context.js';
import { emitParamsReader, mpTag } from './msgpack.js';
import { streamHandlerArgs, streamHandlerParams } from './streams.js';

function handlerParams(ctx: Ctx, fn: Parameters<typeof resultType>[1]): string[] {
  const names = paramNames(fn.params);
  const streams = fn.kind === 'stream' ? streamHandlerParams(ctx, fn, fn.params).map((p) => `${p.type} ${p.name}`) : [];
  const reply = fn.kind === 'oneway' ? [] : [`::interop::Reply<${resultType(ctx, fn)}> reply`];
  return [...fn.params.map((p, i) => `${ctx.cppType(p.type)} ${names[i]}`), ...streams, ...reply];
}

export function emitServerDecl(ctx: Ctx, w: CodeWriter): void {
  const names = methodNames(ctx);
  const fns = cppFunctions(ctx);
  w.line('');
  w.line(`/// Implements ${ctx.module.name}: derive, override the handlers you implement (the others answer`);
  w.line('/// UNIMPLEMENTED) and give module_impl() to the node that hosts it. Handlers run on the node\'s');
  w.line('/// loop thread; answer with reply(value) now or later, or throw / reply.fail() a declared error.');
  w.block('class Server {', () => {
    w.line(' public:');
    w.line('Server();');
    w.line('virtual ~Server() = default;');
    w.line('Server(const Server &) = delete;');
    w.line('Server &operator=(const Server &) = delete;');
    w.line('/// What a node serves (module.h): interop::Node node(config, {server.module_impl()}).');
    w.line('const interop_module_impl *module_impl() const { return &impl_; }');
    for (const { fn } of fns) {
      const doc = cppDoc(fn.doc);
      if (doc) w.line(doc);
      w.line(`virtual void ${names.fns.get(fn)!}(${handlerParams(ctx, fn).join(', ')});`);
    }
    w.line('');
    w.line(' protected:');
    w.line('/// The node hosting this module, once it started (for a Publisher, or its loop).');
    w.line('interop_node *node() const { return node_; }');
    w.line('');
    w.line(' private:');
    w.line('interop_module_impl impl_{};');
    w.line(`interop_handler table_[${Math.max(ctx.module.functions.length, 1)}]{};`);
    w.line('/// Calls in msgpack over a connection: decoded into the handler\'s values, its reply encoded from them (ADR 0037).');
    w.line(`interop_msgpack_handler msgpack_[${Math.max(ctx.module.functions.length, 1)}]{};`);
    w.line('interop_node *node_ = nullptr;');
  }, '};');
}

export function emitServerDefs(ctx: Ctx, c: CCtx, w: CodeWriter): void {
  const names = methodNames(ctx);
  const fns = cppFunctions(ctx);
  w.line('');
  for (const { fn } of fns) {
    const params = handlerParams(ctx, fn).map((p) => p.replace(/ [A-Za-z0-9_]+$/, ''));
    const unimplemented = `::interop::Error(::interop::Code::unimplemented, "${ctx.module.name}.${fn.name} is not implemented")`;
    w.line(`void Server::${names.fns.get(fn)!}(${params.join(', ')}${fn.kind === 'oneway' ? '' : ' reply'}) { ${fn.kind === 'oneway' ? `throw ${unimplemented};` : `reply.fail(${unimplemented});`} }`);
  }
  const calls = fns.filter(({ fn }) => fn.kind === 'call');
  if (calls.length > 0) {
    w.line('');
    // In detail (as error_to_c): a name lookup before `::` ignores the Server's methods.
    w.block('namespace detail {', () => {
      w.block('namespace {', () => {
        for (const { fn } of calls) emitParamsReader(ctx, w, fn, paramsStruct(names.fns.get(fn)!));
      }, '}  // namespace');
    }, '}  // namespace detail');
  }
  w.line('');
  w.block('Server::Server() {', () => {
    for (const { fn, index } of fns) {
      const cParams = cParamsName(ctx.bundle, ctx.module.name, fn);
      const cFields = cFieldNames(fn.params);
      const args = paramNames(fn.params);
      const r = resultType(ctx, fn);
      const reply = fn.kind === 'oneway' ? 'void' : r;
      w.block(`table_[${index}] = [](void *impl, interop_call *call, const void *params, void *result, interop_error *err) -> int {`, () => {
        w.line(`${fn.params.length ? '' : '(void)params; '}${fn.result ? '' : '(void)result; '}auto *self = static_cast<Server *>(impl);`);
        const write = fn.result
          ? `[result](const ${r} &value, ::interop::Arena &arena) { using ::interop::interop_to_c; interop_to_c(value, static_cast<${cTypeOf(c, fn.result)} *>(result), arena); }`
          : '[](const ::interop::Unit &, ::interop::Arena &) {}';
        w.block(`return ::interop::detail::serve<${reply}>(call, &detail::error_to_c, ${write}, err, [&](::interop::Reply<${reply}> &reply) {`, () => {
          if (fn.params.length > 0) {
            w.line('using ::interop::interop_from_c;');
            w.line(`const auto *p = static_cast<const ${cParams} *>(params);`);
          }
          fn.params.forEach((prm, i) => {
            w.line(`${ctx.cppType(prm.type)} ${args[i]}{};`);
            w.line(`interop_from_c(p->${cFields[i]}, ${args[i]});`);
          });
          const streams = fn.kind === 'stream' ? streamHandlerArgs(ctx, c, fn) : [];
          const call = [...args.map((a) => `std::move(${a})`), ...streams, ...(fn.kind === 'oneway' ? [] : ['reply'])];
          w.line(`self->${names.fns.get(fn)!}(${call.join(', ')});`);
          if (fn.kind === 'oneway') w.line('reply();');
        }, fn.kind === 'stream' ? '}, true);' : '});');
      }, '};');
    }
    for (const { fn, index } of calls) emitMsgpackHandler(ctx, c, w, fn, index, names.fns.get(fn)!);
    w.line('impl_.abi_version = INTEROP_ABI_VERSION;');
    w.line('impl_.flags = INTEROP_IMPL_MSGPACK_HANDLERS;');
    w.line('impl_.msgpack_handlers = msgpack_;');
    w.line(`impl_.module = ${cModuleRef(ctx.module.name)};`);
    w.line('impl_.handlers = table_;');
    w.line('impl_.impl = this;');
    w.line('impl_.init = [](void *impl, interop_node *node, interop_error *) -> int {');
    w.line('  static_cast<Server *>(impl)->node_ = node;');
    w.line('  return INTEROP_OK;');
    w.line('};');
  }, '}');
}

/** The params struct of a method, in namespace detail (unique: method names are). */
function paramsStruct(method: string): string {
  return `params_${method}`;
}

/**
 * The msgpack handler of a call function (ADR 0037): the REQUEST's params decoded into a params
 * struct in the call's arena, moved into the virtual handler; the reply encoded straight from the
 * C++ value, or, when it does not encode, converted to the C result so that runtime-c's check
 * answers the same INTERNAL error (and counts it) as for a C handler.
 */
function emitMsgpackHandler(ctx: Ctx, c: CCtx, w: CodeWriter, fn: FunctionDecl, index: number, method: string): void {
  const P = `detail::${paramsStruct(method)}`;
  const r = resultType(ctx, fn);
  const reply = fn.result ? r : 'void';
  w.line(`msgpack_[${index}].decode = &::interop::detail::decode_params<${P}>;`);
  w.block(`msgpack_[${index}].handler = [](void *impl, interop_call *call, const void *params, void *result, interop_error *err) -> int {`, () => {
    w.line(`${fn.result ? '' : '(void)result; '}auto *self = static_cast<Server *>(impl);`);
    w.line(`::interop::detail::ArenaOwned<${P}> p(params);`);
    const write = fn.result
      ? `[call, result](const ${r} &value, ::interop::Arena &arena) { if (!::interop::detail::answer_msgpack<${mpTag(ctx, fn.result)}>(call, value)) { using ::interop::interop_to_c; interop_to_c(value, static_cast<${cTypeOf(c, fn.result)} *>(result), arena); } }`
      : '[](const ::interop::Unit &, ::interop::Arena &) {}';
    const args = fn.params.map((_, i) => `std::move(p->p${i})`);
    w.block(`return ::interop::detail::serve<${reply}>(call, &detail::error_to_c, ${write}, err, [&](::interop::Reply<${reply}> &reply) {`, () => {
      w.line(`self->${method}(${[...args, 'reply'].join(', ')});`);
    }, '});');
  }, '};');
}

/** The declared errors any function of the module throws (imported ones too), once each. */
function declaredErrors(ctx: Ctx): Array<TypeRef & { kind: 'ref' }> {
  const seen = new Map<string, TypeRef & { kind: 'ref' }>();
  for (const fn of ctx.module.functions) for (const t of fn.throws) if (t.kind === 'ref') seen.set(`${t.module}.${t.name}`, t);
  return [...seen.values()];
}

export function emitErrorMapperDecls(w: CodeWriter): void {
  w.line('');
  w.block('namespace detail {', () => {
    w.line('/// A failed call\'s error as the exception its caller gets (a declared error as its class).');
    w.line('std::exception_ptr error_from_c(int rc, const interop_error &err);');
    w.line('/// A handler\'s exception as the error runtime-c sends; returns its code.');
    w.line('int error_to_c(std::exception_ptr e, interop_arena *arena, interop_error *err);');
  }, '}  // namespace detail');
}

export function emitErrorMapperDefs(ctx: Ctx, w: CodeWriter): void {
  const errors = declaredErrors(ctx).map((t) => {
    return { cpp: ctx.declName(t.module, t.name), c: cDeclName(ctx.bundle, t.module, t.name), qualified: `${t.module}.${t.name}` };
  });
  w.line('');
  w.block('std::exception_ptr detail::error_from_c(int rc, const interop_error &err) {', () => {
    if (errors.length > 0) {
      w.block('if (rc == INTEROP_APPLICATION_ERROR && err.type != nullptr && err.detail != nullptr) {', () => {
        w.line('const std::string name = err.type->name;');
        for (const e of errors) w.line(`if (name == ${JSON.stringify(e.qualified)}) return ::interop::detail::declared_error_from_c<${e.cpp}, ${e.c}>(err);`);
      }, '}');
    }
    w.line('return ::interop::detail::error_ptr(rc, err);');
  }, '}');
  w.block('int detail::error_to_c(std::exception_ptr e, interop_arena *arena, interop_error *err) {', () => {
    if (errors.length === 0) {
      w.line('(void)arena;');
      w.line('return ::interop::detail::runtime_error_to_c(e, err);');
      return;
    }
    w.block('try {', () => w.line('std::rethrow_exception(e);'), '}');
    for (const e of errors) {
      w.block(`catch (const ${e.cpp} &x) {`, () => {
        w.line(`return ::interop::detail::declared_error_to_c<${e.cpp}, ${e.c}>(x, &${e.c}_type, arena, err);`);
      }, '}');
    }
    w.block('catch (...) {', () => w.line('return ::interop::detail::runtime_error_to_c(std::current_exception(), err);'), '}');
  }, '}');
}
