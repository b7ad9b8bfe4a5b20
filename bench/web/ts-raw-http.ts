// The HTTP floor: a plain node:http server that answers each POST with its body, and a client
// with a keep-alive agent posting the same bytes as our call's body (the request frame's payload).
// Usage: ts-raw-http.ts server | client (BENCH_ADDRESS=http://127.0.0.1:port)
import { Agent, createServer, request } from 'node:http';
import { reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { requestFrame } from '../rpc/request-bytes.js';
import type { ShapeName } from '../shapes/data.js';

async function server(): Promise<void> {
  const srv = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(200, { 'Content-Type': 'application/msgpack', 'Content-Length': String(body.length) }).end(body);
    });
  });
  srv.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  reply({ ready: true, address: `http://127.0.0.1:${(srv.address() as { port: number }).port}` });
  await serveCommands(async () => undefined);
  srv.close();
  process.exit(0);
}

/** The payload of a frame: what follows its 18-byte prefix and its target. */
function payloadOf(frame: Buffer): Buffer {
  return frame.subarray(18 + frame.readUInt16LE(16));
}

async function client(): Promise<void> {
  const url = new URL(process.env.BENCH_ADDRESS!);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const bodies = new Map<ShapeName, Buffer>();
  await runClient(async (shape, value) => {
    let body = bodies.get(shape);
    if (!body) bodies.set(shape, (body = payloadOf(await requestFrame(shape, value))));
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/bench.shapes/echo', method: 'POST', agent,
        headers: { 'Content-Type': 'application/msgpack', 'Content-Length': String(body!.length) } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  });
  agent.destroy();
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
