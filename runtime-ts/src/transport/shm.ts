// The shm transport (docs/wire.md §9, ADR 0033 and 0034): `shm:/path/to/setup.sock`. The frames
// go through two rings in a shared memory segment; the set-up socket only passes the segment and
// then tells each side when the other is gone. Node cannot pass descriptors nor wait on an
// eventfd, so a small Node-API addon (runtime-ts/native/shm, built by scripts/ensure-deps.sh)
// does the set-up and the ring; this file makes it a ByteChannel like any socket.

import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCode, InteropError } from '../errors.js';
import { FrameError } from '../wire/decoder.js';
import { clearStaleSocket, removeSocketFile, why } from './socket.js';
import type { ByteChannel, ChannelHandlers, Listener, ShmConfig, Transport } from './types.js';

type LinkHandle = { readonly __link: unique symbol };
type ListenerHandle = { readonly __listener: unique symbol };

/** The addon's functions (runtime-ts/native/shm/addon.c). */
interface ShmAddon {
  connect(path: string): LinkHandle;
  listen(path: string, onEvent: (kind: number, arg: LinkHandle | string) => void): ListenerHandle;
  closeListener(listener: ListenerHandle): void;
  start(link: LinkHandle, onEvent: (kind: number, arg?: Uint8Array | string) => void, spinMicroseconds: number): void;
  write(link: LinkHandle, bytes: Uint8Array): number;
  reading(link: LinkHandle, on: boolean): void;
  close(link: LinkHandle): void;
}

const DATA = 0;
const WRITABLE = 1;
const CLOSED = 2;
const BROKEN = 3;
const ACCEPTED = 0;

/**
 * How long a reader polls its empty ring before it sleeps on the eventfd: an answer that comes
 * sooner costs neither side a system call. The node config's `shm.spin_us` changes it (0: sleep at once).
 */
const DEFAULT_SPIN_MICROSECONDS = 50;

function spinMicroseconds(shm: ShmConfig | undefined): number {
  return shm?.spin_us ?? DEFAULT_SPIN_MICROSECONDS;
}

let loaded: ShmAddon | undefined;

/** The addon, or a typed error that says how to build it. */
export function shmAddon(): ShmAddon {
  if (loaded) return loaded;
  if (process.platform !== 'linux') throw new InteropError(ErrorCode.UNAVAILABLE, `the shm: transport needs Linux (memfd, eventfd); this is ${process.platform}`);
  // Bundled code (bench/) names the addon's path itself.
  const path = process.env.INTEROP_SHM_ADDON ?? new URL('../../native/shm/build/Release/interop_shm.node', import.meta.url).pathname;
  try {
    loaded = createRequire(import.meta.url)(path) as ShmAddon;
    return loaded;
  } catch (error) {
    throw new InteropError(
      ErrorCode.UNAVAILABLE,
      `the shm: transport needs runtime-ts's native addon, not built or not loadable at ${path}: build it with \`npm run build-shm --prefix ${new URL('../..', import.meta.url).pathname}\` (an installed @interop/runtime; node-gyp, a C compiler and Node's headers) or, in the interop repository, \`bash scripts/ensure-deps.sh\` (${(error as Error).message.split('\n')[0]})`,
      { cause: error },
    );
  }
}

export function shmPath(address: string): string {
  const path = address.replace(/^shm:(\/\/)?/, '');
  if (!path) throw new Error(`bad shm address "${address}": expected shm:/path/to/setup.sock`);
  return path;
}

/** One shm link as a ByteChannel: what the ring cannot take now waits here, in order. */
class ShmChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private closed = false;
  private ending = false;

  constructor(
    readonly description: string,
    private readonly addon: ShmAddon,
    private readonly link: LinkHandle,
    private readonly spinMicroseconds: number,
  ) {}

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    this.addon.start(this.link, (kind, arg) => this.onEvent(kind, arg), this.spinMicroseconds);
  }

  private onEvent(kind: number, arg?: Uint8Array | string): void {
    if (kind === DATA) this.handlers?.data(arg as Uint8Array);
    else if (kind === WRITABLE) this.flush();
    else if (kind === BROKEN) this.finish(new FrameError('shm_ring', ErrorCode.PROTOCOL_ERROR, String(arg), { fatal: true }), false);
    else if (kind === CLOSED) this.finish(arg === 'the peer closed the connection' ? undefined : new Error(String(arg)), false);
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.ending) return false;
    for (const chunk of chunks) {
      if (this.queued > 0) this.push(chunk);
      else this.put(chunk);
    }
    return this.queued === 0;
  }

  /** Into the ring what fits; the rest waits for the peer to make room (`writable`). */
  private put(chunk: Uint8Array): boolean {
    const n = this.addon.write(this.link, chunk);
    if (n < 0) {
      // The peer's read index is impossible: it broke the ring (closed from the loop, not from inside a write).
      setImmediate(() => this.finish(new FrameError('shm_ring', ErrorCode.PROTOCOL_ERROR, 'shm ring broken by the peer: read index out of range', { fatal: true })));
      return false;
    }
    if (n < chunk.length) this.push(chunk.subarray(n));
    return n === chunk.length;
  }

  private push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.closed) {
      const chunk = this.queue.shift()!;
      this.queued -= chunk.length;
      if (!this.put(chunk)) {
        // put() queued the rest at the end: it belongs at the front.
        if (this.queue.length > 1) this.queue.unshift(this.queue.pop()!);
        return;
      }
    }
    if (this.closed) return;
    if (this.ending) this.finish();
    else this.handlers?.drain();
  }

  buffered(): number {
    return this.queued;
  }

  pause(): void {
    if (!this.closed) this.addon.reading(this.link, false);
  }

  resume(): void {
    if (!this.closed) this.addon.reading(this.link, true);
  }

  /** Closes once what waits is in the ring (the peer reads the ring before it sees the close). */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    if (this.queued === 0) setImmediate(() => this.finish());
  }

  destroy(error?: Error): void {
    this.finish(error);
  }

  private finish(error?: Error, closeLink = true): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queued = 0;
    if (closeLink) this.addon.close(this.link);
    this.handlers?.close(error);
  }
}

export const shmTransport: Transport = {
  scheme: 'shm',
  async connect(address, options) {
    const addon = shmAddon();
    let link: LinkHandle;
    try {
      link = addon.connect(shmPath(address));
    } catch (error) {
      throw Object.assign(new Error(`cannot connect to ${address}: ${why(error as NodeJS.ErrnoException)}`), { cause: error });
    }
    return new ShmChannel(address, addon, link, spinMicroseconds(options?.shm));
  },
  async listen(address, accept, options) {
    const addon = shmAddon();
    const path = shmPath(address);
    await clearStaleSocket(address, path);
    const handle = addon.listen(path, (kind, arg) => {
      if (kind === ACCEPTED) accept(new ShmChannel(address, addon, arg as LinkHandle, spinMicroseconds(options?.shm)));
      else options?.count?.('rejected_handshakes');
    });
    chmodSync(path, 0o600);
    return {
      address,
      async close() {
        addon.closeListener(handle);
        removeSocketFile(path);
      },
    } satisfies Listener;
  },
};
