// The server side of a module: the `XHandlers` base class to implement, the `XEvents` publisher,
// and the `XModule` descriptor that ties the generated codecs to IDL names for the runtime.

import { type Ctx, type Writer, declPyName, paramFields, pyStr } from './context.js';
import { paramList } from './client.js';
import { moduleStem, pyName } from './names.js';
import { pyType } from './types.js';

export function emitHandlers(ctx: Ctx, w: Writer): void {
  const stem = moduleStem(ctx.module);
  w.line('');
  w.line('');
  w.line(`class ${stem}Handlers:`).indent(() => {
    w.doc(
      `Implements ${ctx.module.name}: subclass and override the methods. A method left as it is ` +
        'answers UNIMPLEMENTED. Raise a declared error class to send it to the caller as that type; ' +
        'anything else reaches the caller as INTERNAL.',
    );
    const fns = ctx.module.functions;
    if (fns.length === 0) w.line('pass');
    for (const fn of fns) {
      const method = pyName(fn.name, 'function', fn.annotations);
      const params = ['self', ...paramList(ctx, fn, false, (item) => `_t.AsyncIterator[${item}]`), 'ctx: _rt.CallContext'].join(', ');
      w.line('');
      // A server stream's handler is an async generator (`async def` with `yield`): this default
      // is a plain function that raises, with the same type.
      const signature = fn.output
        ? `def ${method}(${params}) -> _t.AsyncIterator[${pyType(ctx, fn.output)}]:`
        : `async def ${method}(${params}) -> ${fn.result ? pyType(ctx, fn.result) : 'None'}:`;
      w.line(signature).indent(() => {
        w.doc(fn.doc);
        w.line(`raise _rt.InteropError(_rt.ErrorCode.UNIMPLEMENTED, ${pyStr(`${ctx.module.name}.${fn.name} is not implemented`)})`);
      });
    }
  });
  if (ctx.module.events.length === 0) return;
  w.line('');
  w.line('');
  w.line(`class ${stem}Events:`).indent(() => {
    w.doc(`Publishes the events of ${ctx.module.name} to every local and remote subscriber.`);
    w.line('');
    w.line('__slots__ = ("_publisher",)');
    w.line('');
    w.line('def __init__(self, publisher: _rt.Publisher) -> None:').indent(() => w.line('self._publisher = publisher'));
    for (const ev of ctx.module.events) {
      const name = pyName(ev.name, 'event', ev.annotations);
      w.line('');
      if (ev.payload) {
        w.line(`def ${name}(self, payload: ${pyType(ctx, ev.payload)}) -> None:`).indent(() => {
          w.doc(ev.doc);
          w.line(`self._publisher.publish(${stem}Module, _EV_${name}, payload)`);
        });
      } else {
        w.line(`def ${name}(self) -> None:`).indent(() => {
          w.doc(ev.doc);
          w.line(`self._publisher.publish(${stem}Module, _EV_${name}, None)`);
        });
      }
    }
  });
}

/** Codec variable of a whole payload: a declared record's own codec, or one generated for it. */
export type PayloadCodecs = Map<string, string>;

export function emitDescriptor(ctx: Ctx, w: Writer, codecs: PayloadCodecs): void {
  const stem = moduleStem(ctx.module);
  const m = ctx.module;
  w.line('');
  for (const fn of m.functions) {
    const method = pyName(fn.name, 'function', fn.annotations);
    const throws = fn.throws.flatMap((t) => (t.kind === 'ref' ? [pyStr(`${t.module}.${t.name}`)] : []));
    const result = codecs.get(`R_${method}`) ?? 'None';
    const streams = [
      ...(fn.input ? [`input=${codecs.get(`I_${method}`)!}`] : []),
      ...(fn.output ? [`output=${codecs.get(`O_${method}`)!}`] : []),
    ].map((s) => `, ${s}`).join('');
    w.line(
      `_F_${method} = _rt.FunctionDescriptor(${pyStr(fn.name)}, ${pyStr(fn.kind)}, _C_P_${method}, ${result}, (${throws.join(', ')}${throws.length === 1 ? ',' : ''}), ${pyStr(method)}${streams})`,
    );
  }
  for (const ev of m.events) {
    const name = pyName(ev.name, 'event', ev.annotations);
    w.line(`_EV_${name} = _rt.EventDescriptor(${pyStr(ev.name)}, ${codecs.get(`E_${name}`) ?? 'None'})`);
  }
  const errors = new Map<string, string>();
  for (const fn of m.functions) {
    for (const t of fn.throws) {
      if (t.kind !== 'ref') continue;
      const cls = ctx.typeName(t);
      const codec = `${ctx.qualifier(t.module)}_C_${declPyName(ctx.decl(t.module, t.name))}`;
      errors.set(`${t.module}.${t.name}`, `_rt.ErrorDescriptor(${pyStr(`${t.module}.${t.name}`)}, ${codec}, ${cls})`);
    }
  }
  w.line('');
  w.line(`${stem}Module = _rt.ModuleDescriptor(`).indent(() => {
    w.line(`name=${pyStr(m.name)},`);
    w.line(`version=${pyStr(m.version)},`);
    w.line(`fingerprint=${pyStr(m.fingerprint)},`);
    const fnEntries = m.functions.map((f) => `${pyStr(f.name)}: _F_${pyName(f.name, 'function', f.annotations)}`);
    w.line(`functions={${fnEntries.join(', ')}},`);
    const evEntries = m.events.map((e) => `${pyStr(e.name)}: _EV_${pyName(e.name, 'event', e.annotations)}`);
    w.line(`events={${evEntries.join(', ')}},`);
    w.line(`errors={${[...errors].map(([k, v]) => `${pyStr(k)}: ${v}`).join(', ')}},`);
    w.line('ir=_IR,');
    // The descriptors of the modules this one imports: a node serves their IR along with its own.
    const imports = m.imports
      .filter((name) => name !== 'interop.control')
      .map((name) => `${ctx.qualifier(name)}${moduleStem(ctx.bundle.modules.find((x) => x.name === name)!)}Module`);
    w.line(`imports=(${imports.join(', ')}${imports.length === 1 ? ',' : ''}),`);
  });
  w.line(')');
  w.doc(m.doc ?? `Descriptor of module ${m.name}: hand it to a node host or connection to serve or call it.`);
}
