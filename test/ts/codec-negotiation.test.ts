// The protobuf codec on the wire (docs/wire.md §1.2, §2, §4) and the codec per function or event
// (docs/config.md "Codec per function or event"), with generated code over a Unix socket: every
// frame the client writes and reads is recorded, so the tests check the codec byte of each one,
// not only that calls work. Hostile protobuf payloads get their typed ERROR, in protobuf, and the
// connection is served on. google's protobuf (protoc) reads our error envelope and writes one we read.
// The same for flatbuffers (docs/wire.md §3.6): codec 4 frames, its envelope read by flatc.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_PATH as FBS_ENVELOPE_PATH, fbsTarget } from '../../compiler/src/targets/fbs/index.js';
import { ENVELOPE_PATH, protoTarget } from '../../compiler/src/targets/proto/index.js';
import type { GeneratedFile } from '../../compiler/src/targets/target.js';
import { ErrorCode } from '../../runtime-ts/src/errors.js';
import type { CodecName, DecodeLimits, Invoker, ModuleDescriptor } from '../../runtime-ts/src/module.js';
import { checkNodeConfig, ConfigError } from '../../runtime-ts/src/node/config.js';
import { Connection, type ConnectionOptions } from '../../runtime-ts/src/node/connection.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { unixTransport } from '../../runtime-ts/src/transport/socket.js';
import type { ByteChannel, ChannelHandlers } from '../../runtime-ts/src/transport/types.js';
import { CodecId, DEFAULT_LIMITS, FrameDecoder, FrameKind, decodeEnvelope, encodeFrame, type Frame } from '../../runtime-ts/src/wire/index.js';
import { sleep, startServer, tmpSocket } from '../runtime/harness.js';
import { tempDir } from '../temp.js';
import { importGenerated } from './generated.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let chat: any;
beforeAll(async () => {
  chat = await importGenerated('codec-negotiation', ['test/schemas/valid/chat.interop'], 'example.chat');
}, 60_000);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  dir: 'out' | 'in';
  kind: number;
  codec: number;
  correlation: number;
  target: string;
  payload: Uint8Array;
}

/** Wraps a channel so that every frame written and read is recorded (decoded from the bytes). */
function recording(channel: ByteChannel, seen: Seen[]): ByteChannel {
  const outDec = new FrameDecoder(DEFAULT_LIMITS);
  const inDec = new FrameDecoder(DEFAULT_LIMITS);
  const note = (dir: Seen['dir'], items: ReturnType<FrameDecoder['push']>) => {
    for (const f of items) if (!(f instanceof Error)) seen.push({ dir, kind: f.kind, codec: f.codec, correlation: f.correlation, target: f.target, payload: f.payload });
  };
  return {
    description: channel.description,
    start: (h: ChannelHandlers) =>
      channel.start({
        ...h,
        data: (chunk) => {
          note('in', inDec.push(chunk.slice()));
          h.data(chunk);
        },
      }),
    write: (chunks) => {
      for (const c of chunks) note('out', outDec.push(c.slice()));
      return channel.write(chunks);
    },
    ...(channel.buffered ? { buffered: () => channel.buffered!() } : {}),
    pause: () => channel.pause(),
    resume: () => channel.resume(),
    end: () => channel.end(),
    destroy: (e) => channel.destroy(e),
  };
}

function handlers(publisher: () => any) {
  return {
    post(text: string) {
      if (text === '') throw new chat.NotFound({ key: 'empty' }, 'nothing to post');
      const message = { id: 1n, author: 2n, text, mood: undefined, tags: ['t'], reactions: new Map([['x', 1]]), body: new Uint8Array([9]), scores: [1, undefined], sent: { millis: 3n, utcOffsetMin: -60 } };
      publisher().messagePosted(message);
      return message;
    },
    history() {
      return [];
    },
    ping() {},
    typing() {},
  };
}

/** A server hosting example.chat and a recorded client connection to it. */
async function chatPair(client: Partial<ConnectionOptions>, server: Partial<ConnectionOptions> = {}) {
  let events: any;
  const s = await startServer({ serverHosts: [{ descriptor: chat.ChatModule as ModuleDescriptor, handlers: handlers(() => events) }], server });
  cleanups.push(() => s.listener.close());
  const { HubPublisher } = await import('../../runtime-ts/src/transport/direct.js');
  events = new chat.ChatPublisher(new HubPublisher(s.serverServices.hub));
  const seen: Seen[] = [];
  const channel = recording(await unixTransport.connect(s.listener.address), seen);
  const conn = await Connection.open(channel, { role: 'initiator', services: new ServiceTable('client-node', []), limits: DEFAULT_LIMITS, wants: [chat.ChatModule], ...client });
  cleanups.push(() => conn.channel.destroy());
  return { conn, client: new chat.ChatClient(conn as unknown as Invoker), seen };
}

const framesOf = (seen: Seen[], dir: Seen['dir'], kind: number, target?: string) => seen.filter((f) => f.dir === dir && f.kind === kind && (target === undefined || f.target === target));
const answerTo = (seen: Seen[], request: Seen) => seen.find((f) => f.dir === 'in' && (f.kind === FrameKind.RESPONSE || f.kind === FrameKind.ERROR) && f.correlation === request.correlation)!;

describe('protobuf negotiated in the handshake', () => {
  it('both sides list protobuf; a link set to protobuf sends codec 3 and is answered in it, declared errors included', async () => {
    const { conn, client, seen } = await chatPair({ codec: 'protobuf' });
    expect(conn.peer.codecs).toEqual(['msgpack', 'json', 'protobuf', 'flatbuffers']);
    expect(conn.peer.sendCodec).toBe('protobuf');
    expect((await client.post('hello')).sent).toEqual({ millis: 3n, utcOffsetMin: -60 });
    const error = await client.post('').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(chat.NotFound);
    expect([error.key, error.message]).toEqual(['empty', 'nothing to post']);

    const [ok, failed] = framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.post');
    expect([ok!.codec, answerTo(seen, ok!).codec]).toEqual([CodecId.protobuf, CodecId.protobuf]);
    const errorFrame = answerTo(seen, failed!);
    expect([errorFrame.kind, errorFrame.codec]).toEqual([FrameKind.ERROR, CodecId.protobuf]);
    // The envelope (docs/wire.md §4): code 1, message 2, type 3, detail 4 = NotFound's message {key = 1}.
    expect(Buffer.from(errorFrame.payload).toString('hex')).toBe(
      '0865' + '120f' + Buffer.from('nothing to post').toString('hex') + '1a15' + Buffer.from('example.chat.NotFound').toString('hex') + '2207' + '0a05' + Buffer.from('empty').toString('hex'),
    );
    expect(decodeEnvelope(errorFrame.payload, 'protobuf', 64)).toMatchObject({ code: ErrorCode.APPLICATION_ERROR, type: 'example.chat.NotFound' });
  });

  it('member_codecs: a function and an event in their own codec, the rest in the link codec', async () => {
    const { conn, client, seen } = await chatPair({ codec: 'msgpack', memberCodecs: { 'example.chat.post': 'protobuf', 'example.chat.message_posted': 'json' } });
    const received: any[] = [];
    await client.onMessagePosted((m: any) => void received.push(m));
    await client.post('one');
    expect(await client.history({ offset: 0, limit: 1 })).toEqual([]);
    client.typing(5n);
    await client.ping();
    for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
    expect(received.map((m) => m.text)).toEqual(['one']);

    const codecOf = (kind: number, target: string) => framesOf(seen, 'out', kind, target).map((f) => f.codec);
    expect(codecOf(FrameKind.REQUEST, 'example.chat.post')).toEqual([CodecId.protobuf]);
    expect(answerTo(seen, framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.post')[0]!).codec).toBe(CodecId.protobuf);
    expect(codecOf(FrameKind.SUBSCRIBE, 'example.chat.message_posted')).toEqual([CodecId.json]);
    expect(framesOf(seen, 'in', FrameKind.EVENT, 'example.chat.message_posted').map((f) => f.codec)).toEqual([CodecId.json]);
    expect(codecOf(FrameKind.REQUEST, 'example.chat.history')).toEqual([CodecId.msgpack]);
    expect(codecOf(FrameKind.ONEWAY, 'example.chat.typing')).toEqual([CodecId.msgpack]);
    expect(conn.peer.sendCodec).toBe('msgpack');
  });

  it('a peer that does not decode protobuf: the link and member codecs fall back to a codec it lists', async () => {
    const { conn, client, seen } = await chatPair({ codec: 'protobuf', memberCodecs: { 'example.chat.post': 'protobuf', 'example.chat.history': 'json' } }, { codecs: ['msgpack', 'json'] });
    expect(conn.peer.codecs).toEqual(['msgpack', 'json']);
    await client.post('x');
    await client.history({ offset: 0, limit: 1 });
    expect(framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.post').map((f) => f.codec)).toEqual([CodecId.msgpack]);
    expect(framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.history').map((f) => f.codec)).toEqual([CodecId.json]);
  });

  it('hostile protobuf payloads get their typed ERROR, in protobuf, and the connection is served on', async () => {
    const { conn, client, seen } = await chatPair({ codec: 'protobuf' });
    const cases: Array<[string, string, number]> = [
      ['0a', 'truncated varint', ErrorCode.INVALID_ARGUMENT],
      ['08 01', 'wire type varint where the schema wants length-delimited', ErrorCode.INVALID_ARGUMENT],
      ['0a ffffffff07', 'length of 2147483647 but only 0 bytes left', ErrorCode.RESOURCE_EXHAUSTED],
      ['0b', 'group start (field 1) is not supported', ErrorCode.INVALID_ARGUMENT],
      ['0a 02 c3 28', 'invalid UTF-8', ErrorCode.INVALID_ARGUMENT],
    ];
    let correlation = 60_000;
    for (const [hex, message, code] of cases) {
      const payload = new Uint8Array(Buffer.from(hex.replace(/ /g, ''), 'hex'));
      const frame: Frame = { kind: FrameKind.REQUEST, codec: CodecId.protobuf, flags: 0, correlation: ++correlation, timeoutMs: 0, target: 'example.chat.post', payload };
      conn.channel.write([encodeFrame(frame)]);
      let answer: Seen | undefined;
      for (let i = 0; i < 200 && !answer; i++) {
        await sleep(5);
        answer = seen.find((f) => f.dir === 'in' && f.correlation === correlation);
      }
      expect(answer, hex).toMatchObject({ kind: FrameKind.ERROR, codec: CodecId.protobuf });
      const env = decodeEnvelope(answer!.payload, 'protobuf', 64);
      expect(env.code, hex).toBe(code);
      expect(env.message, hex).toContain(message);
    }
    expect((await client.post('still served')).text).toBe('still served');
  });

  it('protoc reads our ERROR payload with interop.ErrorEnvelope (gen --lang proto) and its detail with the error\'s message; we read what protoc writes', async () => {
    const { client, seen } = await chatPair({ codec: 'protobuf' });
    await client.post('').catch(() => undefined);
    const payload = seen.find((f) => f.dir === 'in' && f.kind === FrameKind.ERROR)!.payload;
    const dir = tempDir('envelope-');
    const { compileBundle } = await import('./generated.js');
    for (const f of protoTarget.generate(compileBundle(['test/schemas/valid/chat.interop']), { sourceNames: {} }) as GeneratedFile[]) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.content);
    }
    const protoc = (args: string[], input: Uint8Array | string) => {
      const r = spawnSync('protoc', ['-I', dir, ...args, ENVELOPE_PATH, 'example/chat.proto'], { input, cwd: dir });
      if (r.status !== 0) throw new Error(`protoc ${args.join(' ')}: ${r.stderr.toString()}`);
      return r.stdout;
    };
    const text = protoc(['--decode=interop.ErrorEnvelope'], payload).toString();
    expect(text).toBe('code: 101\nmessage: "nothing to post"\ntype: "example.chat.NotFound"\ndetail: "\\n\\005empty"\n');
    const env = decodeEnvelope(payload, 'protobuf', 64);
    expect(protoc(['--decode=example.chat.NotFound'], env.detail!).toString()).toBe('key: "empty"\n');
    // google's encoder, our decoder: the same bytes, and the same envelope back.
    const theirs = protoc(['--encode=interop.ErrorEnvelope'], text);
    expect(Buffer.from(theirs).toString('hex')).toBe(Buffer.from(payload).toString('hex'));
    const back = decodeEnvelope(new Uint8Array(theirs), 'protobuf', 64);
    expect({ ...back, detail: [...back.detail!] }).toEqual({ ...env, detail: [...env.detail!] });
  });

  it('an envelope that does not decode is a typed error, never a crash', () => {
    expect(() => decodeEnvelope(Uint8Array.of(0x08, 0x01, 0x08, 0x02), 'protobuf', 64)).toThrow(/duplicate field 1/);
    expect(() => decodeEnvelope(Uint8Array.of(0x12, 0x05, 0x61), 'protobuf', 64)).toThrow(/length of 5/);
    expect(() => decodeEnvelope(Uint8Array.of(0x0a, 0x00), 'protobuf', 64)).toThrow(/wire type length-delimited where the schema wants varint/);
    // Unknown fields are skipped; missing ones take zero values.
    expect(decodeEnvelope(Uint8Array.of(0x08, 0x05, 0x2a, 0x01, 0x61), 'protobuf', 64)).toEqual({ code: 5, message: '' });
  });
});

describe('flatbuffers negotiated in the handshake', () => {
  it('a link set to flatbuffers sends codec 4 and is answered in it; flatc reads the ERROR envelope and its detail', async () => {
    const { conn, client, seen } = await chatPair({ codec: 'flatbuffers' });
    expect(conn.peer.sendCodec).toBe('flatbuffers');
    expect((await client.post('hello')).sent).toEqual({ millis: 3n, utcOffsetMin: -60 });
    const error = await client.post('').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(chat.NotFound);
    expect([error.key, error.message]).toEqual(['empty', 'nothing to post']);
    const [ok, failed] = framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.post');
    expect([ok!.codec, answerTo(seen, ok!).codec]).toEqual([CodecId.flatbuffers, CodecId.flatbuffers]);
    const errorFrame = answerTo(seen, failed!);
    expect([errorFrame.kind, errorFrame.codec]).toEqual([FrameKind.ERROR, CodecId.flatbuffers]);

    const dir = tempDir('fbs-envelope-');
    const { compileBundle } = await import('./generated.js');
    for (const f of fbsTarget.generate(compileBundle(['test/schemas/valid/chat.interop']), { sourceNames: {} }) as GeneratedFile[]) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.content);
    }
    const flatc = (schema: string, root: string, bytes: Uint8Array) => {
      writeFileSync(path.join(dir, 'payload.bin'), bytes);
      const r = spawnSync('flatc', ['--json', '--strict-json', '--raw-binary', '-I', dir, '-o', dir, '--root-type', root, schema, '--', 'payload.bin'], { cwd: dir });
      if (r.status !== 0) throw new Error(`flatc: ${r.stdout.toString()}${r.stderr.toString()}`);
      return JSON.parse(readFileSync(path.join(dir, 'payload.json'), 'utf8'));
    };
    const env = decodeEnvelope(errorFrame.payload, 'flatbuffers', 64);
    expect(env).toMatchObject({ code: ErrorCode.APPLICATION_ERROR, message: 'nothing to post', type: 'example.chat.NotFound' });
    expect(flatc(FBS_ENVELOPE_PATH, 'interop.ErrorEnvelope', errorFrame.payload)).toEqual({ code: 101, message: 'nothing to post', type: 'example.chat.NotFound', detail: [...env.detail!] });
    // The detail is NotFound's own FlatBuffer, 8-aligned in the payload.
    expect((env.detail!.byteOffset - errorFrame.payload.byteOffset) % 8).toBe(0);
    expect(flatc('example/chat.fbs', 'example.chat.NotFound', env.detail!)).toEqual({ key: 'empty' });
  });

  it('member_codecs: a function and an event in flatbuffers, the rest in the link codec', async () => {
    const { client, seen } = await chatPair({ codec: 'msgpack', memberCodecs: { 'example.chat.post': 'flatbuffers', 'example.chat.message_posted': 'flatbuffers' } });
    const received: any[] = [];
    await client.onMessagePosted((m: any) => void received.push(m));
    await client.post('one');
    await client.history({ offset: 0, limit: 1 });
    for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
    expect(received.map((m) => [m.text, m.tags, [...m.reactions], m.scores])).toEqual([['one', ['t'], [['x', 1]], [1, undefined]]]);
    expect(framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.post').map((f) => f.codec)).toEqual([CodecId.flatbuffers]);
    expect(framesOf(seen, 'out', FrameKind.SUBSCRIBE, 'example.chat.message_posted').map((f) => f.codec)).toEqual([CodecId.flatbuffers]);
    expect(framesOf(seen, 'in', FrameKind.EVENT, 'example.chat.message_posted').map((f) => f.codec)).toEqual([CodecId.flatbuffers]);
    expect(framesOf(seen, 'out', FrameKind.REQUEST, 'example.chat.history').map((f) => f.codec)).toEqual([CodecId.msgpack]);
  });

  it('hostile flatbuffers payloads get their typed ERROR, in flatbuffers, and the connection is served on', async () => {
    const { client, conn, seen } = await chatPair({ codec: 'flatbuffers' });
    const cases: Array<[string, string, number]> = [
      ['0c0000', 'a payload of 3 bytes', ErrorCode.INVALID_ARGUMENT],
      ['ff000000', 'points outside the payload', ErrorCode.INVALID_ARGUMENT],
      ['08000000' + '0500' + '0800' + '04000000', 'has size 5', ErrorCode.INVALID_ARGUMENT],
      ['0c000000' + '0000060008000400' + '06000000' + '04000000' + 'ffffff7f', 'a string of 2147483647 bytes', ErrorCode.RESOURCE_EXHAUSTED],
      ['0c000000' + '0000060008000400' + '06000000' + '04000000' + '01000000' + 'ff00', 'invalid UTF-8', ErrorCode.INVALID_ARGUMENT],
    ];
    let correlation = 70_000;
    for (const [hex, message, code] of cases) {
      const frame: Frame = { kind: FrameKind.REQUEST, codec: CodecId.flatbuffers, flags: 0, correlation: ++correlation, timeoutMs: 0, target: 'example.chat.post', payload: new Uint8Array(Buffer.from(hex, 'hex')) };
      conn.channel.write([encodeFrame(frame)]);
      let answer: Seen | undefined;
      for (let i = 0; i < 200 && !answer; i++) {
        await sleep(5);
        answer = seen.find((f) => f.dir === 'in' && f.correlation === correlation);
      }
      expect(answer, hex).toMatchObject({ kind: FrameKind.ERROR, codec: CodecId.flatbuffers });
      const env = decodeEnvelope(answer!.payload, 'flatbuffers', 64);
      expect(env.code, hex).toBe(code);
      expect(env.message, hex).toContain(message);
    }
    expect((await client.post('still served')).text).toBe('still served');
  });
});

describe('member_codecs in the node config', () => {
  const base = { node: 'n', connect: [{ address: 'unix:/tmp/x.sock', modules: ['example.chat'], codec: 'msgpack' as const }] };

  it('refuses a key outside the entry\'s modules, an unknown codec, and (with the descriptor) an unknown member', async () => {
    const bad = { ...base, connect: [{ ...base.connect[0]!, member_codecs: { 'example.users.get': 'json', 'example.chat.post': 'xml' } }] };
    const error = (() => {
      try {
        checkNodeConfig(bad);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.issues).toEqual(expect.arrayContaining([{ path: 'connect[0].member_codecs.example.chat.post', message: 'expected one of "msgpack", "json", "protobuf", "flatbuffers"' }]));
    const scoped = { ...base, connect: [{ ...base.connect[0]!, member_codecs: { 'example.users.get': 'json' as const } }] };
    expect(() => checkNodeConfig(scoped)).toThrow('connect[0].member_codecs["example.users.get"]: "example.users.get" is not a member of this entry\'s modules');
    const unknown = { ...base, connect: [{ ...base.connect[0]!, member_codecs: { 'example.chat.nope': 'json' as const } }] };
    await expect(Node.start(unknown, { uses: [chat.ChatModule] })).rejects.toThrow('connect[0].member_codecs["example.chat.nope"]: example.chat has no function or event named nope');
  });

  it('a node started from config sends each member in its codec', async () => {
    // The server's descriptor records the codec each function's parameters arrive in.
    const arrived: string[] = [];
    const functions = Object.fromEntries(
      Object.entries(chat.ChatModule.functions as ModuleDescriptor['functions']).map(([name, fn]) => [
        name,
        { ...fn, params: { ...fn.params, decode: (bytes: Uint8Array, codec: CodecName, limits: DecodeLimits) => (arrived.push(`${name}:${codec}`), fn.params.decode(bytes, codec, limits)) } },
      ]),
    );
    const recorded: ModuleDescriptor = { ...chat.ChatModule, functions };
    const address = tmpSocket();
    let events: any;
    const server = await Node.start({ node: 'server', modules: ['example.chat'], listen: [address] }, { implementations: [[recorded, handlers(() => events)]] });
    cleanups.push(() => server.close());
    events = new chat.ChatPublisher(server.publisher(chat.ChatModule));
    const client = await Node.start(
      { node: 'client', connect: [{ address, modules: ['example.chat'], codec: 'json', member_codecs: { 'example.chat.post': 'protobuf' } }] },
      { uses: [chat.ChatModule] },
    );
    cleanups.push(() => client.close());
    const stub = new chat.ChatClient(client.invoker(chat.ChatModule));
    expect((await stub.post('via config')).text).toBe('via config');
    expect(await stub.history({ offset: 0, limit: 1 })).toEqual([]);
    expect(arrived).toEqual(['post:protobuf', 'history:json']);
  });
});
