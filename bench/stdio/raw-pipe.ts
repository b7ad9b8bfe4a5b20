// The floor for the stdio plugin's round trip: a parent spawns a child and ping-pongs the same
// request frame over the child's stdin/stdout; the child echoes whole frames. No decoding.
// Usage: raw-pipe.ts client (spawns the plain-JS plugin raw-echo.mjs)
import { spawn } from 'node:child_process';
import { FrameSplitter, runClient } from '../harness/ts-loop.js';
import { requestFrame } from '../rpc/request-bytes.js';
import type { ShapeName } from '../shapes/data.js';

async function client(): Promise<void> {
  const child = spawn(process.execPath, ['bench/stdio/raw-echo.mjs'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let waiting: (() => void) | undefined;
  const split = new FrameSplitter(() => waiting?.());
  child.stdout.on('data', (d: Buffer) => split.push(d));
  const frames = new Map<ShapeName, Buffer>();
  await runClient(async (shape, value) => {
    let frame = frames.get(shape);
    if (!frame) frames.set(shape, (frame = await requestFrame(shape, value)));
    const done = new Promise<void>((r) => (waiting = r));
    child.stdin.write(frame);
    await done;
  }, [child.pid!]);
  child.stdin.end();
}

if (process.argv[2] === 'client') await client();
