// The WebSocket floor: a raw `ws` echo of the same bytes as our request frame. The server sends
// each binary message back; the client sends the frame as one message and waits for its echo.
// Usage: ts-raw-ws.ts server | client (BENCH_ADDRESS=ws://127.0.0.1:port)
import { WebSocket, WebSocketServer } from 'ws';
import { reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { requestFrame } from '../rpc/request-bytes.js';
import type { ShapeName } from '../shapes/data.js';

async function server(): Promise<void> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 + 4 });
  wss.on('connection', (ws) => ws.on('message', (data: Buffer) => ws.send(data, { binary: true })));
  await new Promise((r) => wss.once('listening', r));
  reply({ ready: true, address: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` });
  await serveCommands(async () => undefined);
  wss.close();
  process.exit(0);
}

async function client(): Promise<void> {
  const ws = new WebSocket(process.env.BENCH_ADDRESS!, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 + 4 });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  let waiting: (() => void) | undefined;
  ws.on('message', () => waiting?.());
  const frames = new Map<ShapeName, Buffer>();
  await runClient(async (shape, value) => {
    let frame = frames.get(shape);
    if (!frame) frames.set(shape, (frame = await requestFrame(shape, value)));
    const done = new Promise<void>((r) => (waiting = r));
    ws.send(frame, { binary: true });
    await done;
  });
  ws.terminate();
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
