// Which combinations the conformance matrix runs: every client language × server language ×
// transport × codec that both sides declare in languages.json. `direct` (one process, no
// encoding) only pairs a language with itself, and has no codec.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = new URL('..', import.meta.url).pathname;
export const REPO_ROOT = join(CONFORMANCE_DIR, '..', '..');

export type Transport = 'direct' | 'unix' | 'tcp' | 'stdio';
export type Codec = 'json' | 'msgpack';
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

const TRANSPORT_ORDER: Transport[] = ['direct', 'unix', 'tcp', 'stdio'];
const CODEC_ORDER: Codec[] = ['json', 'msgpack'];

export function planCombinations(languages: Language[], only?: { languages?: string[] }): Combination[] {
  const chosen = only?.languages ? languages.filter((l) => only.languages!.includes(l.name)) : languages;
  const combos: Combination[] = [];
  for (const client of chosen) {
    if (!client.client) continue;
    for (const server of chosen) {
      if (!server.server) continue;
      for (const transport of TRANSPORT_ORDER) {
        if (!client.transports.includes(transport) || !server.transports.includes(transport)) continue;
        if (transport === 'direct') {
          if (client.name === server.name) combos.push({ client: client.name, server: server.name, transport, codec: 'none' });
          continue;
        }
        for (const codec of CODEC_ORDER) {
          if (client.codecs.includes(codec) && server.codecs.includes(codec)) {
            combos.push({ client: client.name, server: server.name, transport, codec });
          }
        }
      }
    }
  }
  return combos;
}

export interface Case {
  name: string;
  feature: string;
  kind: 'call' | 'oneway' | 'events' | 'concurrent' | 'big_echo' | 'client_stream' | 'server_stream' | 'ping_pong' | 'ticks' | 'cancel_by_caller' | 'flood';
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
