// The floor for streaming: a raw Unix socket stream of the same STREAM_ITEM frames (docs/wire.md
// §1.5), written as fast as the socket drains, counted by the client without decoding; no credit.
// The client asks with one line "KIND N\n".
// Usage: ts-raw.ts server (prints its address) | client (BENCH_ADDRESS)
import net from 'node:net';
import { once } from 'node:events';
import { FrameSplitter, reply, serveCommands } from '../harness/ts-loop.js';
import { connect, listen } from '../harness/endpoint.js';
import { itemFrame, runConsumer, type ItemKind } from './items.js';

async function server(): Promise<void> {
  const frames = { small: await itemFrame('small'), chunk64k: await itemFrame('chunk64k') };
  const srv = net.createServer((sock) => {
    let asked = '';
    sock.on('data', (d: Buffer) => {
      asked += d.toString();
      const end = asked.indexOf('\n');
      if (end < 0) return;
      const [kind, n] = asked.slice(0, end).split(' ') as [ItemKind, string];
      asked = asked.slice(end + 1);
      void (async () => {
        const frame = frames[kind];
        for (let i = 0; i < Number(n); i++) if (!sock.write(frame)) await once(sock, 'drain');
      })();
    });
  });
  reply({ ready: true, address: await listen(srv, 'unix', 'raw-streams') });
  await serveCommands(async () => undefined);
  process.exit(0);
}

async function client(): Promise<void> {
  const sock = await connect(process.env.BENCH_ADDRESS!);
  let counted = 0;
  let wanted = 0;
  let done: (() => void) | undefined;
  const split = new FrameSplitter(() => {
    if (++counted === wanted) done?.();
  });
  sock.on('data', (d: Buffer) => split.push(d));
  await runConsumer(
    (kind, n) =>
      new Promise<number>((resolve) => {
        counted = 0;
        wanted = n;
        done = () => resolve(counted);
        sock.write(`${kind} ${n}\n`);
      }),
  );
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
