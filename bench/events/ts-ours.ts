// Ours for events: a TypeScript node publishing bench.shapes events through the generated
// ShapesPublisher, and a subscriber subscribed through the generated ShapesClient, over
// runtime-ts Connection on a Unix socket, msgpack, default limits (max_event_queue 1024,
// drop_oldest). The publisher yields to the event loop every 256 events, as a real producer
// interleaving other work would, so that queued frames get written.
// Usage: ts-ours.ts publisher | subscriber (BENCH_ADDRESS)
import { reply, runSubscriber, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import { loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { typedValue } from '../shapes/typed.js';
import type { ShapeName } from '../shapes/data.js';

async function publisher(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const services = new rt.ServiceTable('bench-publisher', [{ descriptor: gen.ShapesModule, handlers: {} }]);
  const listener = await rt.unixTransport.listen(`unix:${unixPath('ours-events')}`, (channel) => {
    rt.Connection.open(channel, { role: 'responder', services, limits: rt.DEFAULT_LIMITS, codecs: ['msgpack'] }).catch((e) =>
      process.stderr.write(`handshake failed: ${e}\n`),
    );
  });
  const pub = new gen.ShapesPublisher(services.hub);
  reply({ ready: true, address: listener.address });
  await serveCommands(async (cmd) => {
    const shape = cmd.shape as ShapeName;
    const value = typedValue(shape);
    const send = shape === 'small' ? pub.smallEvent : pub.nestedEvent;
    for (let i = 0; i < (cmd.n as number); i++) {
      send.call(pub, value);
      if ((i & 255) === 255) await new Promise((r) => setImmediate(r));
    }
    return { sent: cmd.n };
  });
  process.exit(0);
}

async function subscriber(): Promise<void> {
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const channel = await rt.unixTransport.connect(process.env.BENCH_ADDRESS!);
  const conn = await rt.Connection.open(channel, {
    role: 'initiator',
    wants: [gen.ShapesModule],
    services: new rt.ServiceTable('bench-subscriber'),
    limits: rt.DEFAULT_LIMITS,
    codecs: ['msgpack'],
  });
  const client = new gen.ShapesClient(conn) as unknown as Record<'onSmallEvent' | 'onNestedEvent', (h: () => void) => Promise<unknown>>;
  let count = () => {};
  await client.onSmallEvent(() => count());
  await client.onNestedEvent(() => count());
  const sub = runSubscriber();
  count = sub.count;
  await sub.done;
  process.exit(0);
}

if (process.argv[2] === 'publisher') await publisher();
else if (process.argv[2] === 'subscriber') await subscriber();
