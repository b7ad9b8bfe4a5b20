// Hand-written module descriptors and payload codecs for runtime tests (no generator needed):
// a small "test.calc" module with calls, a one-way, declared errors and events.

import { ApplicationError } from '../../runtime-ts/src/errors.js';
import type { CallContext, CodecName, DecodeLimits, ModuleDescriptor, PayloadCodec } from '../../runtime-ts/src/module.js';
import { MsgpackReader, MsgpackWriter } from '../../runtime-ts/src/codec/index.js';

type Scalar = 'u32' | 'string';
const utf8 = new TextEncoder();
const text = new TextDecoder();

function writeScalar(w: MsgpackWriter, kind: Scalar, v: unknown): void {
  if (kind === 'u32') w.u32(v as number);
  else w.string(v as string);
}
function readScalar(r: MsgpackReader, kind: Scalar): unknown {
  return kind === 'u32' ? r.int(0, 0xffff_ffff, 'u32') : r.string();
}
function check(kind: Scalar, v: unknown): void {
  if (kind === 'u32' ? typeof v !== 'number' : typeof v !== 'string') throw new TypeError(`expected ${kind}, got ${typeof v}`);
}

export function scalarCodec(kind: Scalar): PayloadCodec<unknown> {
  return {
    validate: (v) => check(kind, v),
    encode(v, codec) {
      check(kind, v);
      if (codec === 'json') return utf8.encode(JSON.stringify(v));
      const w = new MsgpackWriter();
      writeScalar(w, kind, v);
      return w.finish();
    },
    decode(bytes, codec, limits) {
      if (codec === 'json') {
        const v = JSON.parse(text.decode(bytes));
        check(kind, v);
        return v;
      }
      const r = new MsgpackReader(bytes, limits);
      const v = readScalar(r, kind);
      r.finish();
      return v;
    },
  };
}

/** Fields as a struct: JSON keyed by name, msgpack keyed by id (1-based position). */
export function structCodec(fields: Array<[string, Scalar]>): PayloadCodec<unknown[]> {
  return {
    validate: (values) => fields.forEach(([, k], i) => check(k, values[i])),
    encode(values, codec) {
      fields.forEach(([, k], i) => check(k, values[i]));
      if (codec === 'json') return utf8.encode(JSON.stringify(Object.fromEntries(fields.map(([n], i) => [n, values[i]]))));
      const w = new MsgpackWriter();
      w.mapHeader(fields.length);
      fields.forEach(([, k], i) => {
        w.u32(i + 1);
        writeScalar(w, k, values[i]);
      });
      return w.finish();
    },
    decode(bytes: Uint8Array, codec: CodecName, limits: DecodeLimits) {
      if (codec === 'json') {
        const o = JSON.parse(text.decode(bytes)) as Record<string, unknown>;
        return fields.map(([n, k]) => (check(k, o[n]), o[n]));
      }
      const r = new MsgpackReader(bytes, limits);
      const n = r.mapHeader();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const id = r.fieldId();
        const f = fields[id - 1];
        if (f) out[id - 1] = readScalar(r, f[1]);
        else r.skip();
      }
      r.exit();
      r.finish();
      return fields.map(([, k], i) => (check(k, out[i]), out[i]));
    },
  };
}

export class NotFound extends ApplicationError {
  readonly errorType = 'test.calc.NotFound';
  constructor(readonly key: string) {
    super(`not found: ${key}`);
  }
}

/** An ApplicationError that no function declares: must reach callers as INTERNAL. */
export class Undeclared extends ApplicationError {
  readonly errorType = 'test.calc.Undeclared';
}

const keyStruct = structCodec([['key', 'string']]);
const notFoundCodec: PayloadCodec<ApplicationError> = {
  validate: (e) => keyStruct.validate([(e as NotFound).key]),
  encode: (e, codec) => keyStruct.encode([(e as NotFound).key], codec),
  decode: (bytes, codec, limits) => new NotFound(keyStruct.decode(bytes, codec, limits)[0] as string),
};

export function calcModule(fingerprint = 'sha256:calc-1', name = 'test.calc'): ModuleDescriptor {
  return {
    name,
    version: '1.0.0',
    fingerprint,
    functions: {
      add: { name: 'add', kind: 'call', params: structCodec([['a', 'u32'], ['b', 'u32']]), result: scalarCodec('u32'), throws: [], method: 'add' },
      echo: { name: 'echo', kind: 'call', params: structCodec([['text', 'string']]), result: scalarCodec('string'), throws: [], method: 'echo' },
      slow: { name: 'slow', kind: 'call', params: structCodec([['ms', 'u32']]), result: scalarCodec('string'), throws: [], method: 'slow' },
      fail: { name: 'fail', kind: 'call', params: structCodec([['mode', 'string']]), throws: ['test.calc.NotFound'], method: 'fail' },
      note: { name: 'note', kind: 'oneway', params: structCodec([['text', 'string']]), throws: [], method: 'note' },
      missing: { name: 'missing', kind: 'call', params: structCodec([]), throws: [], method: 'notImplementedAnywhere' },
    },
    events: {
      tick: { name: 'tick', payload: scalarCodec('u32') },
      bell: { name: 'bell' },
    },
    errors: { 'test.calc.NotFound': { name: 'test.calc.NotFound', codec: notFoundCodec } },
    ir: { name, version: '1.0.0' },
  };
}

/** A handler object for test.calc that records what happened to it. */
export function calcHandlers() {
  const log = { notes: [] as string[], aborted: [] as string[], peers: [] as string[], started: 0 };
  const handlers = {
    log,
    add(a: number, b: number, ctx: CallContext) {
      log.peers.push(ctx.peer);
      return a + b;
    },
    async echo(t: string) {
      return t;
    },
    slow(ms: number, ctx: CallContext): Promise<string> {
      log.started++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(`slept ${ms}`), ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          log.aborted.push(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason));
          reject(ctx.signal.reason);
        });
      });
    },
    fail(mode: string) {
      if (mode === 'declared') throw new NotFound('bob');
      if (mode === 'undeclared') throw new Undeclared('not in throws');
      throw new Error('boom');
    },
    note(t: string) {
      log.notes.push(t);
    },
  };
  return handlers;
}
