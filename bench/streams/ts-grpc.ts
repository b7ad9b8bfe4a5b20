// Peer: @grpc/grpc-js server streaming, messages encoded by protobufjs static code generated from
// bench/schema/shapes.proto (StreamSmall, StreamBlob). The server writes while call.write() says
// there is room and waits for 'drain' otherwise (HTTP/2 flow control); the client counts 'data'.
// Usage: ts-grpc.ts server (prints its address) | client (BENCH_ADDRESS)
import { loadOut, loadPeer } from '../harness/peers.js';
import { reply, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import { CHUNK_BYTES, itemValue, runConsumer } from './items.js';

interface PbType {
  encode(v: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}
interface ServerCall {
  request: { n: number; size: number };
  write(v: unknown): boolean;
  end(): void;
  once(event: 'drain', cb: () => void): void;
}
interface ClientCall {
  on(event: 'data', cb: () => void): ClientCall;
  on(event: 'end', cb: () => void): ClientCall;
  on(event: 'error', cb: (e: Error) => void): ClientCall;
}
interface Grpc {
  Server: new (opts?: Record<string, unknown>) => {
    addService(def: unknown, impl: Record<string, (call: ServerCall) => void>): void;
    bindAsync(addr: string, creds: unknown, cb: (err: Error | null, port: number) => void): void;
  };
  ServerCredentials: { createInsecure(): unknown };
  credentials: { createInsecure(): unknown };
  makeGenericClientConstructor(def: unknown, name: string): new (addr: string, creds: unknown, opts?: Record<string, unknown>) => Record<string, (v: unknown) => ClientCall>;
}

const LIMITS = { 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20 };

async function serviceDef(): Promise<Record<string, unknown>> {
  const pb = (await loadOut<{ bench: { shapes: Record<string, PbType> } }>('bench/out/pb/shapes.js')).bench.shapes;
  const codec = (t: PbType) => ({ ser: (v: unknown) => Buffer.from(t.encode(v).finish()), de: (b: Buffer) => t.decode(b) });
  const request = codec(pb.StreamRequest!);
  const def: Record<string, unknown> = {};
  for (const [method, type] of [['StreamSmall', 'Small'], ['StreamBlob', 'Blob']] as const) {
    const response = codec(pb[type]!);
    def[method] = {
      path: `/bench.shapes.Shapes/${method}`,
      requestStream: false,
      responseStream: true,
      requestSerialize: request.ser,
      requestDeserialize: request.de,
      responseSerialize: response.ser,
      responseDeserialize: response.de,
    };
  }
  return def;
}

async function server(): Promise<void> {
  const grpc = await loadPeer<Grpc>('@grpc/grpc-js');
  const srv = new grpc.Server(LIMITS);
  const stream = (value: unknown) => async (call: ServerCall) => {
    for (let i = 0; i < call.request.n; i++) {
      if (!call.write(value)) await new Promise<void>((r) => call.once('drain', r));
    }
    call.end();
  };
  srv.addService(await serviceDef(), { StreamSmall: stream(itemValue('small')), StreamBlob: stream(itemValue('chunk64k')) });
  const path = unixPath('grpc-streams');
  await new Promise<number>((resolve, reject) =>
    srv.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  reply({ ready: true, address: `unix:${path}` });
  await serveCommands(async () => undefined);
  process.exit(0);
}

async function client(): Promise<void> {
  const grpc = await loadPeer<Grpc>('@grpc/grpc-js');
  const Client = grpc.makeGenericClientConstructor(await serviceDef(), 'Shapes');
  const c = new Client(process.env.BENCH_ADDRESS!, grpc.credentials.createInsecure(), LIMITS);
  await runConsumer(
    (kind, n) =>
      new Promise<number>((resolve, reject) => {
        let received = 0;
        const call = kind === 'small' ? c.StreamSmall!({ n, size: 0 }) : c.StreamBlob!({ n, size: CHUNK_BYTES });
        call.on('data', () => received++).on('end', () => resolve(received)).on('error', reject);
      }),
  );
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
