// The items of the streaming suite, the same for every contender: the small shape (about 40 bytes
// in msgpack) and a blob of 64 KiB; and the bytes of one STREAM_ITEM frame carrying one, as
// docs/wire.md §1.5 lays it out, which is what the raw socket floor sends.
import { loadPeer } from '../harness/peers.js';
import { reply, serveCommands } from '../harness/ts-loop.js';
import { makeSmall, type Blob, type Small } from '../shapes/data.js';

export type ItemKind = 'small' | 'chunk64k';
export const ITEM_KINDS: ItemKind[] = ['small', 'chunk64k'];
export const CHUNK_BYTES = 64 * 1024;

export function itemValue(kind: ItemKind): Small | Blob {
  if (kind === 'small') return makeSmall();
  const data = new Uint8Array(CHUNK_BYTES);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 255;
  return { id: 1, data };
}

interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array };
}

/** One STREAM_ITEM frame (kind 14, msgpack, flag CALLEE, empty target) around the item's msgpack payload. */
export async function itemFrame(kind: ItemKind): Promise<Buffer> {
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const payload = new Packr({ useRecords: false }).pack(itemValue(kind));
  const head = Buffer.alloc(18);
  head.writeUInt32LE(14 + payload.length, 0);
  head.writeUInt8(14, 4); // STREAM_ITEM
  head.writeUInt8(2, 5); // msgpack
  head.writeUInt16LE(1, 6); // CALLEE
  head.writeUInt32LE(1, 8); // correlation
  return Buffer.concat([head, payload]);
}

/** The bytes an item's value takes on the wire (msgpack payload), for MiB/s. */
export async function itemBytes(kind: ItemKind): Promise<number> {
  return (await itemFrame(kind)).length - 18;
}

/**
 * The consumer's side of the JSON-lines protocol: {"cmd":"stream","kind":K,"n":N} → receive a
 * stream of N items → {"received":N,"ns":elapsed}, timed from the request to the last item.
 */
export async function runConsumer(receive: (kind: ItemKind, n: number) => Promise<number>): Promise<void> {
  reply({ ready: true });
  await serveCommands(async (cmd) => {
    if (cmd.cmd !== 'stream') throw new Error(`unknown command ${cmd.cmd}`);
    const t0 = process.hrtime.bigint();
    const received = await receive(cmd.kind as ItemKind, cmd.n as number);
    return { received, ns: Number(process.hrtime.bigint() - t0) };
  });
}
