// The floor for events: a raw Unix socket stream of the same EVENT frames (docs/wire.md §1), no
// decoding. Usage: ts-raw-stream.ts publisher (prints its address) | subscriber (BENCH_ADDRESS)
import net from 'node:net';
import { once } from 'node:events';
import { FrameSplitter, reply, runSubscriber, serveCommands, shapeValue } from '../harness/ts-loop.js';
import { connect, listen } from '../harness/endpoint.js';
import { eventFrame } from './event-bytes.js';
import type { ShapeName } from '../shapes/data.js';

async function publisher(): Promise<void> {
  let sock: net.Socket | undefined;
  const srv = net.createServer();
  const connected = new Promise<void>((resolve) => {
    srv.on('connection', (s) => {
      sock = s;
      resolve();
    });
  });
  reply({ ready: true, address: await listen(srv, 'unix', 'events') });
  await serveCommands(async (cmd) => {
    await connected;
    const shape = cmd.shape as ShapeName;
    const frame = await eventFrame(shape, shapeValue(shape));
    for (let i = 0; i < (cmd.n as number); i++) {
      if (!sock!.write(frame)) await once(sock!, 'drain');
    }
    return { sent: cmd.n };
  });
  process.exit(0);
}

async function subscriber(): Promise<void> {
  const sock = await connect(process.env.BENCH_ADDRESS!);
  const { count, done } = runSubscriber();
  const split = new FrameSplitter(count);
  sock.on('data', (d) => split.push(d));
  await done;
  process.exit(0);
}

if (process.argv[2] === 'publisher') await publisher();
else if (process.argv[2] === 'subscriber') await subscriber();
