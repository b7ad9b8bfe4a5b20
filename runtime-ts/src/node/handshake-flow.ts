// The HELLO / WELCOME exchange (docs/wire.md §2) on a new connection. Every check runs before any
// call: protocol version, token, wanted modules, codecs. Each side sends the compatibility tables
// the other needs to judge its calls into a module of another version (§2.2). Frames are
// handled synchronously so a frame that arrives in the same chunk as WELCOME is already
// dispatched as a normal frame.

import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName, ModuleDescriptor } from '../module.js';
import { FrameError, type Decoded } from '../wire/decoder.js';
import { decodeEnvelope, type ErrorEnvelope } from '../wire/envelope.js';
import { CodecId, type Frame, FrameKind } from '../wire/frame.js';
import { compatOf, type CompatTable } from '../wire/compat.js';
import {
  CONTROL_ENDPOINT_HINT,
  PROTOCOL_VERSIONS,
  checkWants,
  chooseProtocol,
  decodeHello,
  decodeWelcome,
  differingWants,
  encodeHandshake,
} from '../wire/handshake.js';
import type { Limits } from '../wire/limits.js';
import type { LocalServices } from './services.js';

/** What a node decodes and lists in its handshake, in order of preference (docs/wire.md §2). */
export const DEFAULT_CODECS: readonly CodecName[] = ['msgpack', 'json', 'protobuf', 'flatbuffers'];

export interface HandshakeOptions {
  /** The initiator (the side that connected, or a plugin's parent) sends HELLO. */
  role: 'initiator' | 'responder';
  /** Modules this side will call; announced in `wants` and checked by the peer. */
  wants?: ModuleDescriptor[];
  /** Codecs this side decodes, in order of preference (default msgpack, json, protobuf, flatbuffers). */
  codecs?: CodecName[];
  /** Codec this side sends in, when the peer decodes it (default: the first of `codecs` it does). */
  codec?: CodecName;
  /**
   * "module.member" -> the codec this side sends that function's calls, or subscribes to that
   * event, in, when the peer decodes it (docs/config.md "Codec per function or event").
   */
  memberCodecs?: Record<string, CodecName>;
  /** Initiator: token sent in HELLO. */
  token?: string;
  /** Responder: a HELLO without this token is refused with UNAUTHENTICATED. */
  requiredToken?: string;
  /** False on a control endpoint: no module is offered, only interop.control. */
  offerModules?: boolean;
}

export interface PeerInfo {
  node: string;
  offers: Record<string, string>;
  /** The peer's compatibility tables of the modules it offers (those it sent). */
  compat: Record<string, CompatTable>;
  wants: Record<string, string>;
  codecs: CodecName[];
  /** Codec this side uses for the requests and events it sends. */
  sendCodec: CodecName;
  /** "module.member" -> its own codec, overriding sendCodec: the config's, those the peer decodes. */
  memberCodecs: Map<string, CodecName>;
  protocol: number;
}

/** The codec to send calls of, or subscribe to, `target` ("module.member") in. */
export function codecFor(peer: PeerInfo, target: string): CodecName {
  return peer.memberCodecs.size === 0 ? peer.sendCodec : (peer.memberCodecs.get(target) ?? peer.sendCodec);
}

/** The member overrides of `options` whose codec the peer decodes. */
function memberCodecsFor(options: HandshakeOptions, theirs: CodecName[]): Map<string, CodecName> {
  const out = new Map<string, CodecName>();
  for (const [target, codec] of Object.entries(options.memberCodecs ?? {})) if (theirs.includes(codec)) out.set(target, codec);
  return out;
}

/** What the handshake needs from its connection. */
export interface HandshakeHost {
  readonly services: LocalServices;
  readonly options: { limits: Limits };
  send(frame: Frame): void;
  sendError(correlation: number, target: string, codec: CodecName, env: ErrorEnvelope): void;
}

function wantsOf(modules: ModuleDescriptor[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of modules ?? []) out[m.name] = m.fingerprint;
  return out;
}

function pickCodec(ours: CodecName[], preferred: CodecName | undefined, theirs: CodecName[]): CodecName | undefined {
  if (preferred && theirs.includes(preferred)) return preferred;
  return ours.find((c) => theirs.includes(c));
}

/** The compatibility tables of the named hosted modules that have one. */
function tablesOf(services: LocalServices, names: string[]): Record<string, CompatTable> {
  const out: Record<string, CompatTable> = {};
  for (const name of names) {
    const table = compatOf(services.module(name)?.descriptor.ir);
    if (table) out[name] = table;
  }
  return out;
}

const handshakeFrame = (kind: FrameKind, payload: Uint8Array): Frame => ({ kind, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload });

/**
 * Runs the handshake. `listen` installs the synchronous frame handler (and removes it with
 * undefined); `complete` is called synchronously with the peer's info when it succeeds.
 */
export function runHandshake(
  host: HandshakeHost,
  options: HandshakeOptions,
  listen: (handler: ((item: Decoded) => void) | undefined) => void,
  complete: (peer: PeerInfo) => void,
): Promise<PeerInfo> {
  const codecs = options.codecs ?? [...DEFAULT_CODECS];
  const offers = options.offerModules === false ? {} : host.services.offers();
  const { limits } = host.options;

  return new Promise<PeerInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `handshake not completed within ${limits.handshakeTimeoutMs} ms`), false),
      limits.handshakeTimeoutMs,
    );
    const finish = () => {
      clearTimeout(timer);
      listen(undefined);
    };
    /** Rejects; when `tell` the peer gets an ERROR frame first. */
    const fail = (error: InteropError, tell: boolean) => {
      finish();
      if (tell) host.sendError(0, '', 'json', { code: error.code, message: error.message });
      reject(error);
    };
    const succeed = (peer: PeerInfo) => {
      finish();
      complete(peer);
      resolve(peer);
    };
    const peerError = (frame: Frame): InteropError => {
      try {
        const env = decodeEnvelope(frame.payload, 'json', limits.maxDepth);
        return new InteropError(env.code === 0 ? ErrorCode.UNKNOWN : env.code, env.message);
      } catch {
        return new InteropError(ErrorCode.PROTOCOL_ERROR, 'peer refused the handshake with an undecodable error');
      }
    };

    if (options.role === 'initiator') {
      const hello = {
        codecs,
        compat: tablesOf(host.services, Object.keys(offers)),
        node: host.services.node,
        offers,
        protocol: [...PROTOCOL_VERSIONS],
        wants: wantsOf(options.wants),
        ...(options.token !== undefined ? { token: options.token } : {}),
      };
      host.send(handshakeFrame(FrameKind.HELLO, encodeHandshake(hello)));
      listen((item) => {
        if (item instanceof FrameError) return fail(new InteropError(item.fatal ? ErrorCode.UNAVAILABLE : item.code, item.fatal ? `connection lost during handshake: ${item.message}` : item.message), false);
        if (item.kind === FrameKind.ERROR) return fail(peerError(item), false);
        if (item.kind !== FrameKind.WELCOME) return fail(new InteropError(ErrorCode.PROTOCOL_ERROR, `expected WELCOME, got frame kind ${item.kind}`), true);
        try {
          const welcome = decodeWelcome(item.payload);
          if (!PROTOCOL_VERSIONS.includes(welcome.protocol)) throw new InteropError(ErrorCode.PROTOCOL_ERROR, `peer chose protocol ${welcome.protocol}, not offered`);
          const problem = checkWants(welcome.wants, offers);
          if (problem) throw problem;
          const sendCodec = pickCodec(codecs, options.codec, welcome.codecs);
          if (!sendCodec) throw new InteropError(ErrorCode.PROTOCOL_ERROR, `no common codec: we decode ${codecs.join(',')}, peer ${welcome.codecs.join(',')}`);
          succeed({ node: welcome.node, offers: welcome.offers, compat: welcome.compat, wants: welcome.wants, codecs: welcome.codecs, sendCodec, memberCodecs: memberCodecsFor(options, welcome.codecs), protocol: welcome.protocol });
        } catch (error) {
          fail(error instanceof InteropError ? error : new InteropError(ErrorCode.PROTOCOL_ERROR, String(error)), true);
        }
      });
      return;
    }

    listen((item) => {
      if (item instanceof FrameError) return fail(item.fatal ? new InteropError(ErrorCode.UNAVAILABLE, `connection lost during handshake: ${item.message}`) : item, !item.fatal);
      if (item.kind !== FrameKind.HELLO) return fail(new InteropError(ErrorCode.PROTOCOL_ERROR, `expected HELLO, got frame kind ${item.kind}`), true);
      try {
        const hello = decodeHello(item.payload);
        const protocol = chooseProtocol(hello.protocol);
        if (protocol === undefined) {
          throw new InteropError(ErrorCode.PROTOCOL_ERROR, `no common protocol version: peer speaks ${hello.protocol.join(',')}, we speak ${PROTOCOL_VERSIONS.join(',')}`);
        }
        if (options.requiredToken !== undefined && hello.token !== options.requiredToken) {
          throw new InteropError(ErrorCode.UNAUTHENTICATED, hello.token === undefined ? 'a token is required' : 'wrong token');
        }
        const problem = checkWants(hello.wants, offers);
        if (problem?.code === ErrorCode.NOT_FOUND && options.offerModules === false) throw new InteropError(problem.code, `${problem.message}: ${CONTROL_ENDPOINT_HINT}`);
        if (problem) throw problem;
        const sendCodec = pickCodec(codecs, options.codec, hello.codecs);
        if (!sendCodec) throw new InteropError(ErrorCode.PROTOCOL_ERROR, `no common codec: we decode ${codecs.join(',')}, peer ${hello.codecs.join(',')}`);
        // Our own wants are checked by the initiator against its offers (it answers ERROR).
        const wants = wantsOf(options.wants);
        const compat = tablesOf(host.services, differingWants(hello.wants, offers));
        host.send(handshakeFrame(FrameKind.WELCOME, encodeHandshake({ codecs, compat, node: host.services.node, offers, protocol, wants })));
        succeed({ node: hello.node, offers: hello.offers, compat: hello.compat, wants: hello.wants, codecs: hello.codecs, sendCodec, memberCodecs: memberCodecsFor(options, hello.codecs), protocol });
      } catch (error) {
        fail(error instanceof InteropError ? error : new InteropError(ErrorCode.PROTOCOL_ERROR, String(error)), true);
      }
    });
  });
}
