// The child side of the JSON-lines protocol of harness/child.ts, for TypeScript children.
//   client:     {"cmd":"batch","shape":S,"n":N} → N sequential calls → {"lat":[ns, …]}
//   publisher:  {"cmd":"publish","shape":S,"n":N} → N events → {"sent":N}
//   subscriber: {"cmd":"expect","n":N} → {"armed":true}, later {"received":k,"ns":elapsed}
import { createInterface } from 'node:readline';
import { makeShape, type ShapeName, type ShapeValue } from '../shapes/data.js';

export type Message = Record<string, unknown>;

export function reply(msg: Message): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

/** Serves commands from stdin until it closes; an exception is reported as {"error": …}. */
export function serveCommands(handle: (cmd: Message) => Promise<Message | undefined>): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let chain = Promise.resolve();
    rl.on('line', (line) => {
      chain = chain.then(async () => {
        try {
          const answer = await handle(JSON.parse(line) as Message);
          if (answer) reply(answer);
        } catch (e) {
          reply({ error: String((e as Error).stack ?? e) });
        }
      });
    });
    rl.on('close', () => void chain.then(resolve));
  });
}

const values = new Map<ShapeName, ShapeValue>();
export function shapeValue(shape: ShapeName): ShapeValue {
  let v = values.get(shape);
  if (!v) values.set(shape, (v = makeShape(shape)));
  return v;
}

/** A request/response client: `call` makes one round trip with the shape's value. */
export async function runClient(call: (shape: ShapeName, value: ShapeValue) => Promise<unknown>, pids: number[] = []): Promise<void> {
  reply({ ready: true, pids });
  await serveCommands(async (cmd) => {
    if (cmd.cmd !== 'batch') throw new Error(`unknown command ${cmd.cmd}`);
    const shape = cmd.shape as ShapeName;
    const value = shapeValue(shape);
    const n = cmd.n as number;
    const lat = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await call(shape, value);
      lat[i] = Number(process.hrtime.bigint() - t0);
    }
    return { lat };
  });
}

/** Reads a length-prefixed frame stream (u32 LE length, docs/wire.md §1) into whole frames. */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.have < 4) return;
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.flatten();
      const total = head.readUInt32LE(0) + 4;
      if (this.have < total) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : this.flatten();
      this.onFrame(all.subarray(0, total));
      const rest = all.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.have = rest.length;
    }
  }

  private flatten(): Buffer {
    const b = Buffer.concat(this.chunks, this.have);
    this.chunks = [b];
    return b;
  }
}

/**
 * A subscriber: `count()` is called by the transport for every event received. Answers an
 * "expect" once N events arrived, or 300 ms after the last one when some were dropped.
 */
export function runSubscriber(): { count: () => void; done: Promise<void> } {
  let expected = 0;
  let received = 0;
  let lastNs = 0n;
  let idle: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(idle);
    if (!expected) return;
    reply({ received, lastNs: Number(lastNs) });
    expected = 0;
  };
  const count = () => {
    if (!expected) return;
    received++;
    lastNs = process.hrtime.bigint();
    if (received >= expected) return finish();
    clearTimeout(idle);
    idle = setTimeout(finish, 300);
  };
  reply({ ready: true });
  const done = serveCommands(async (cmd) => {
    if (cmd.cmd !== 'expect') throw new Error(`unknown command ${cmd.cmd}`);
    expected = cmd.n as number;
    received = 0;
    clearTimeout(idle);
    idle = setTimeout(finish, 10_000);
    return { armed: true };
  });
  return { count, done };
}
