// Ours for the streaming suite: a TypeScript node serving bench.shapes' server streams through the
// generated handlers (async generators), and a client reading them through the generated
// ShapesClient (`for await`), over runtime-ts on a Unix socket, msgpack, default limits
// (stream_window 64).
// Usage: ts-ours.ts server (prints its address) | client (BENCH_ADDRESS)
import { reply, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import { loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { CHUNK_BYTES, itemValue, runConsumer } from './items.js';

type Streams = Record<'streamSmall' | 'streamBlob', (...args: number[]) => AsyncIterable<unknown>>;

async function server(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const small = itemValue('small');
  const chunk = itemValue('chunk64k');
  const handlers = {
    async *streamSmall(n: number) {
      for (let i = 0; i < n; i++) yield small;
    },
    async *streamBlob(n: number) {
      for (let i = 0; i < n; i++) yield chunk;
    },
  };
  const services = new rt.ServiceTable('bench-stream-server', [{ descriptor: gen.ShapesModule, handlers }]);
  const listener = await rt.unixTransport.listen(`unix:${unixPath('ours-streams')}`, (channel) => {
    rt.Connection.open(channel, { role: 'responder', services, limits: rt.DEFAULT_LIMITS, codecs: ['msgpack'] }).catch((e) =>
      process.stderr.write(`handshake failed: ${e}\n`),
    );
  });
  reply({ ready: true, address: listener.address });
  await serveCommands(async () => undefined);
  process.exit(0);
}

async function client(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const channel = await rt.unixTransport.connect(process.env.BENCH_ADDRESS!);
  const conn = await rt.Connection.open(channel, {
    role: 'initiator',
    wants: [gen.ShapesModule],
    services: new rt.ServiceTable('bench-stream-client'),
    limits: rt.DEFAULT_LIMITS,
    codecs: ['msgpack'],
  });
  const shapes = new gen.ShapesClient(conn) as unknown as Streams;
  await runConsumer(async (kind, n) => {
    let received = 0;
    const items = kind === 'small' ? shapes.streamSmall(n) : shapes.streamBlob(n, CHUNK_BYTES);
    for await (const _ of items) received++;
    return received;
  });
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
