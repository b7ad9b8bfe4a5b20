// Which combinations the conformance matrix runs: every client language × server language ×
// transport × codec that both sides declare in languages.json. `direct` (one process, no
// encoding) only pairs a language with itself, and has no codec.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = new URL('..', import.meta.url).pathname;
export const REPO_ROOT = join(CONFORMANCE_DIR, '..', '..');

export type Transport = 'direct' | 'unix' | 'shm' | 'tcp' | 'stdio' | 'ws' | 'http' | 'wss' | 'https';
export type Codec = 'json' | 'msgpack' | 'protobuf' | 'flatbuffers';
/** `none` is the codec of a direct combination: values are handed over without encoding. */
export type ComboCodec = Codec | 'none';

export interface Language {
  name: string;
  /** Commands run once, in order, from the repository root before the first combination. */
  prepare: string[][];
  /** Starts a server node; absent when the language has no conformance server yet. */
  server?: string[];
  /** Runs the cases as a client node; absent when the language has no client yet. */
  client?: string[];
  transports: Transport[];
  codecs: Codec[];
}

export interface Combination {
  client: string;
  server: string;
  transport: Transport;
  codec: ComboCodec;
}

export function comboName(c: Combination): string {
  return `${c.client} → ${c.server} ${c.transport}/${c.codec}`;
}

export function loadLanguages(path = join(CONFORMANCE_DIR, 'languages.json')): Language[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { languages: Record<string, Omit<Language, 'name'>> };
  return Object.entries(doc.languages).map(([name, l]) => ({ name, ...l, prepare: l.prepare ?? [] }));
}

export const TRANSPORT_ORDER: Transport[] = ['direct', 'unix', 'shm', 'tcp', 'stdio', 'ws', 'http', 'wss', 'https'];
/** ws and http over TLS: the same layers above it, so a quick run gives a language's own pair one codec of each. */
const TLS_TRANSPORTS: Transport[] = ['wss', 'https'];
const CODEC_ORDER: Codec[] = ['json', 'msgpack', 'protobuf', 'flatbuffers'];

/**
 * The combinations to run. A language paired with itself gets every transport × codec (its own
 * round trip is where a bug of either layer shows first). Two different languages get every
 * transport and every codec they share, `pairwise` in quick runs: one codec per transport,
 * rotating, so each transport and each codec is crossed with the other language at least once
 * (3 combinations instead of 6 for 3 transports × 2 codecs). Transport and codec are independent
 * layers in every runtime; the full product still runs in full runs (docs/matrix.md).
 */
export function planCombinations(languages: Language[], only?: { languages?: string[]; pairwise?: boolean }): Combination[] {
  const chosen = only?.languages ? languages.filter((l) => only.languages!.includes(l.name)) : languages;
  const combos: Combination[] = [];
  let pairIndex = 0;
  for (const client of chosen) {
    if (!client.client) continue;
    for (const server of chosen) {
      if (!server.server) continue;
      const transports = TRANSPORT_ORDER.filter((t) => client.transports.includes(t) && server.transports.includes(t));
      const codecs = CODEC_ORDER.filter((c) => client.codecs.includes(c) && server.codecs.includes(c));
      if (client.name === server.name) {
        for (const transport of transports) {
          if (transport === 'direct') combos.push({ client: client.name, server: server.name, transport, codec: 'none' });
          else if (only?.pairwise && TLS_TRANSPORTS.includes(transport)) combos.push({ client: client.name, server: server.name, transport, codec: codecs[TLS_TRANSPORTS.indexOf(transport) % codecs.length]! });
          else for (const codec of codecs) combos.push({ client: client.name, server: server.name, transport, codec });
        }
        continue;
      }
      const remote = transports.filter((t) => t !== 'direct'); // direct only pairs a language with itself
      if (!only?.pairwise) {
        for (const transport of remote) for (const codec of codecs) combos.push({ client: client.name, server: server.name, transport, codec });
        continue;
      }
      if (remote.length === 0 || codecs.length === 0) continue;
      const n = Math.max(remote.length, codecs.length);
      for (let k = 0; k < n; k++) {
        combos.push({ client: client.name, server: server.name, transport: remote[k % remote.length]!, codec: codecs[(k + pairIndex) % codecs.length]! });
      }
      pairIndex++;
    }
  }
  return combos;
}

export interface Case {
  name: string;
  feature: string;
  kind: 'call' | 'oneway' | 'events' | 'concurrent' | 'big_echo' | 'client_stream' | 'server_stream' | 'ping_pong' | 'ticks' | 'cancel_by_caller' | 'flood' | 'refused_stream';
  function: string;
  quick?: boolean;
  /** The transports the case applies to (all when absent): losing the peer needs one. */
  transports?: string[];
}

export function loadCases(path = join(CONFORMANCE_DIR, 'cases.json')): Case[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: Case[] }).cases;
}

/** The cases a combination expects results for: those that apply to its transport. */
export function casesFor(combo: Combination, cases: Case[]): Case[] {
  return cases.filter((c) => c.transports === undefined || c.transports.includes(combo.transport));
}

/** The cases a run expects results for: --quick leaves out the ones marked `"quick": false`. */
export function selectCases(cases: Case[], quick: boolean): Case[] {
  return quick ? cases.filter((c) => c.quick !== false) : cases;
}
