// Peer: zeromq REQ/REP, payloads encoded with msgpackr; the server decodes each request and
// encodes it back. Usage: ts-zmq.ts server (BENCH_NET) | client (BENCH_ADDRESS)
import { loadPeer } from '../harness/peers.js';
import { reply, runClient, serveCommands } from '../harness/ts-loop.js';
import { unixPath } from '../harness/endpoint.js';

interface Sock {
  bind(addr: string): Promise<void>;
  connect(addr: string): void;
  send(msg: Uint8Array): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly lastEndpoint: string | null;
}
interface Zmq {
  Reply: new () => Sock;
  Request: new () => Sock;
}
interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array; unpack(b: Uint8Array): unknown };
}

async function server(): Promise<void> {
  const zmq = await loadPeer<Zmq>('zeromq');
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const packr = new Packr({ useRecords: false });
  const sock = new zmq.Reply();
  const unix = (process.env.BENCH_NET ?? 'unix') === 'unix';
  await sock.bind(unix ? `ipc://${unixPath('zmq')}` : 'tcp://127.0.0.1:*');
  reply({ ready: true, address: sock.lastEndpoint });
  void (async () => {
    for (;;) {
      const [msg] = await sock.receive();
      await sock.send(packr.pack(packr.unpack(msg!)));
    }
  })();
  await serveCommands(async () => undefined);
  process.exit(0);
}

async function client(): Promise<void> {
  const zmq = await loadPeer<Zmq>('zeromq');
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const packr = new Packr({ useRecords: false });
  const sock = new zmq.Request();
  sock.connect(process.env.BENCH_ADDRESS!);
  await runClient(async (_shape, value) => {
    await sock.send(packr.pack(value));
    const [msg] = await sock.receive();
    return packr.unpack(msg!);
  });
  process.exit(0);
}

if (process.argv[2] === 'server') await server();
else if (process.argv[2] === 'client') await client();
