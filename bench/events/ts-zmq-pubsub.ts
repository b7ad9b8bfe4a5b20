// Peer: zeromq PUB/SUB over ipc (a Unix socket), msgpackr payloads decoded by the subscriber.
// zeromq drops at its high-water mark (1000 messages by default): both marks are set to 0
// (unbounded) so that every event arrives and the rate is a delivered rate.
// Usage: ts-zmq-pubsub.ts publisher | subscriber (BENCH_ADDRESS)
import { loadPeer } from '../harness/peers.js';
import { reply, runSubscriber, serveCommands, shapeValue } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';
import type { ShapeName } from '../shapes/data.js';

interface Sock {
  bind(addr: string): Promise<void>;
  connect(addr: string): void;
  subscribe(prefix?: string): void;
  send(msg: Uint8Array): Promise<void>;
  receive(): Promise<Buffer[]>;
  readonly lastEndpoint: string | null;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
}
interface Zmq {
  Publisher: new () => Sock;
  Subscriber: new () => Sock;
}
interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array; unpack(b: Uint8Array): unknown };
}

async function publisher(): Promise<void> {
  const zmq = await loadPeer<Zmq>('zeromq');
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const packr = new Packr({ useRecords: false });
  const sock = new zmq.Publisher();
  sock.sendHighWaterMark = 0;
  await sock.bind(`ipc://${unixPath('zmq-pub')}`);
  reply({ ready: true, address: sock.lastEndpoint });
  await serveCommands(async (cmd) => {
    const value = shapeValue(cmd.shape as ShapeName);
    for (let i = 0; i < (cmd.n as number); i++) await sock.send(packr.pack(value));
    return { sent: cmd.n };
  });
  process.exit(0);
}

async function subscriber(): Promise<void> {
  const zmq = await loadPeer<Zmq>('zeromq');
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const packr = new Packr({ useRecords: false });
  const sock = new zmq.Subscriber();
  sock.receiveHighWaterMark = 0;
  sock.connect(process.env.BENCH_ADDRESS!);
  sock.subscribe();
  await new Promise((r) => setTimeout(r, 200)); // the slow-joiner: let the subscription reach the publisher
  const { count, done } = runSubscriber();
  void (async () => {
    for (;;) {
      const [msg] = await sock.receive();
      packr.unpack(msg!);
      count();
    }
  })();
  await done;
  process.exit(0);
}

if (process.argv[2] === 'publisher') await publisher();
else if (process.argv[2] === 'subscriber') await subscriber();
