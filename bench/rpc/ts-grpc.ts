// Peer: @grpc/grpc-js unary calls, messages encoded by protobufjs static code generated from
// bench/schema/shapes.proto (msgpackr with BENCH_GRPC_CODEC=msgpack). The server decodes the request and encodes it back as the response.
// Usage: ts-grpc.ts server (BENCH_NET) | client (BENCH_ADDRESS)
import { loadOut, loadPeer } from '../harness/peers.js';
import { reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import type { ShapeName } from '../shapes/data.js';

interface PbType {
  encode(v: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}
type Callback = (err: unknown, value?: unknown) => void;
interface Grpc {
  Server: new (opts?: Record<string, unknown>) => {
    addService(def: unknown, impl: Record<string, (call: { request: unknown }, cb: Callback) => void>): void;
    bindAsync(addr: string, creds: unknown, cb: (err: Error | null, port: number) => void): void;
  };
  ServerCredentials: { createInsecure(): unknown };
  credentials: { createInsecure(): unknown };
  makeGenericClientConstructor(def: unknown, name: string): new (addr: string, creds: unknown, opts?: Record<string, unknown>) => Record<string, (v: unknown, cb: Callback) => void>;
}

const METHODS: Record<ShapeName, [string, 'Small' | 'Nested' | 'Blob']> = {
  small: ['EchoSmall', 'Small'],
  nested: ['EchoNested', 'Nested'],
  blob: ['EchoBlob', 'Blob'],
};
const LIMITS = { 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20 };

interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array; unpack(b: Uint8Array): unknown };
}

/** Protobuf codecs, or with BENCH_GRPC_CODEC=msgpack msgpackr (to talk to the Python grpcio peer). */
async function messageCodecs(): Promise<Record<string, PbType>> {
  if (process.env.BENCH_GRPC_CODEC === 'msgpack') {
    const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
    const p = new Packr({ useRecords: false });
    const codec: PbType = { encode: (v) => ({ finish: () => p.pack(v) }), decode: (b) => p.unpack(b) };
    return { Small: codec, Nested: codec, Blob: codec };
  }
  return (await loadOut<{ bench: { shapes: Record<string, PbType> } }>('bench/out/pb/shapes.js')).bench.shapes;
}

async function serviceDef(): Promise<Record<string, unknown>> {
  const pb = await messageCodecs();
  const def: Record<string, unknown> = {};
  for (const [method, type] of Object.values(METHODS)) {
    const t = pb[type]!;
    const ser = (v: unknown) => Buffer.from(t.encode(v).finish());
    const de = (b: Buffer) => t.decode(b);
    def[method] = {
      path: `/bench.shapes.Shapes/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: ser,
      requestDeserialize: de,
      responseSerialize: ser,
      responseDeserialize: de,
    };
  }
  return def;
}

async function server(): Promise<void> {
  const grpc = await loadPeer<Grpc>('@grpc/grpc-js');
  const srv = new grpc.Server(LIMITS);
  const impl: Record<string, (call: { request: unknown }, cb: Callback) => void> = {};
  for (const [method] of Object.values(METHODS)) impl[method] = (call, cb) => cb(null, call.request);
  srv.addService(await serviceDef(), impl);
  const unix = (process.env.BENCH_NET ?? 'unix') === 'unix';
  const path = unix ? unixPath('grpc') : '';
  const port = await new Promise<number>((resolve, reject) =>
    srv.bindAsync(unix ? `unix:${path}` : '127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  reply({ ready: true, address: unix ? `unix:${path}` : `tcp:${port}` });
  await serveCommands(async () => undefined);
  process.exit(0);
}

async function client(): Promise<void> {
  const grpc = await loadPeer<Grpc>('@grpc/grpc-js');
  const Client = grpc.makeGenericClientConstructor(await serviceDef(), 'Shapes');
  const addr = process.env.BENCH_ADDRESS!;
  const target = addr.startsWith('unix:') ? addr : `127.0.0.1:${addr.slice(4)}`;
  const c = new Client(target, grpc.credentials.createInsecure(), LIMITS);
  const call = (shape: ShapeName, value: unknown) =>
    new Promise<unknown>((resolve, reject) => c[METHODS[shape][0]]!(value, (e, v) => (e ? reject(e) : resolve(v))));
  await call('small', { id: 1 }); // connect before the first timed call
  await runClient(call);
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
