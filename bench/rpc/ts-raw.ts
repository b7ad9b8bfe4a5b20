// The floor: a raw Node socket ping-pong of the same bytes as a request. The server echoes each
// whole frame back; the client waits for the whole echo. No decoding on either side.
// Usage: ts-raw.ts server (BENCH_NET=unix|tcp) | client (BENCH_ADDRESS=unix:path | tcp:port)
import net from 'node:net';
import { FrameSplitter, reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { connect, listen } from '../harness/endpoint.js';
import { requestFrame } from './request-bytes.js';
import type { ShapeName } from '../shapes/data.js';

async function server(): Promise<void> {
  const srv = net.createServer((sock) => {
    sock.setNoDelay(true);
    const split = new FrameSplitter((frame) => sock.write(frame));
    sock.on('data', (d) => split.push(d));
    sock.on('error', () => sock.destroy());
  });
  reply({ ready: true, address: await listen(srv, process.env.BENCH_NET ?? 'unix', 'raw') });
  await serveCommands(async () => undefined);
  srv.close();
}

async function client(): Promise<void> {
  const sock = await connect(process.env.BENCH_ADDRESS!);
  let waiting: (() => void) | undefined;
  const split = new FrameSplitter(() => waiting?.());
  sock.on('data', (d) => split.push(d));
  const frames = new Map<ShapeName, Buffer>();
  await runClient(async (shape, value) => {
    let frame = frames.get(shape);
    if (!frame) frames.set(shape, (frame = await requestFrame(shape, value)));
    const done = new Promise<void>((r) => (waiting = r));
    sock.write(frame);
    await done;
  });
  sock.destroy();
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
