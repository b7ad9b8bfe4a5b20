// Ours for TypeScript: a server hosting bench.shapes (generated ShapesHandlers shape) and a client
// calling it through the generated ShapesClient, over runtime-ts Connection, msgpack codec.
// Usage: ts-ours.ts server (BENCH_NET=unix|shm|tcp|ws|http) | client (BENCH_ADDRESS=unix:path | shm:path | tcp://host:port | ws://… | http://…)
import { reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import { ECHO_OF, loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { typedValue } from '../shapes/typed.js';
import { SHAPES } from '../shapes/data.js';

const echo = (v: unknown) => v;

async function server(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const services = new rt.ServiceTable('bench-server', [
    { descriptor: gen.ShapesModule, handlers: { echoSmall: echo, echoNested: echo, echoBlob: echo } },
  ]);
  const net = process.env.BENCH_NET ?? 'unix';
  const address = net === 'unix' || net === 'shm' ? `${net}:${unixPath('ours')}` : `${net}://127.0.0.1:0`;
  const listener = await rt.transportFor(address).listen(address, (channel) => {
    rt.Connection.open(channel, { role: 'responder', services, limits: rt.DEFAULT_LIMITS, codecs: ['msgpack'] }).catch((e) =>
      process.stderr.write(`handshake failed: ${e}\n`),
    );
  }, { limits: rt.DEFAULT_LIMITS });
  reply({ ready: true, address: listener.address });
  await serveCommands(async () => undefined);
  await listener.close();
  process.exit(0);
}

async function client(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const address = process.env.BENCH_ADDRESS!;
  const channel = await rt.transportFor(address).connect(address, { limits: rt.DEFAULT_LIMITS });
  const conn = await rt.Connection.open(channel, {
    role: 'initiator',
    wants: [gen.ShapesModule],
    services: new rt.ServiceTable('bench-client'),
    limits: rt.DEFAULT_LIMITS,
    codecs: ['msgpack'],
  });
  const stub = new gen.ShapesClient(conn);
  const values = new Map(SHAPES.map((s) => [s, typedValue(s)]));
  await runClient((shape) => stub[ECHO_OF[shape]](values.get(shape)));
  await conn.close();
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
