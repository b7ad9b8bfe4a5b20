// The runner's own rules, without starting any process: how case lines are read, how known
// failures are matched, and that an unexpected pass fails a combination like a failure does.

import { describe, expect, it } from 'vitest';
import { parseCaseLine } from './combination.js';
import { type Case, casesFor, type Language, planCombinations } from './plan.js';
import { matrixMarkdown } from './report.js';
import { judge, type KnownFailure } from './verdicts.js';

const cases: Case[] = [
  { name: 'a', feature: 'scalars', kind: 'call', function: 'echo_i8' },
  { name: 'b', feature: 'errors', kind: 'call', function: 'fail' },
];
const combo = { client: 'ts', server: 'python', transport: 'tcp', codec: 'json' } as const;
const outcome = (ok: Record<string, boolean>) => ({
  combo,
  ms: 1,
  results: Object.entries(ok).map(([c, pass]) => ({ case: c, ok: pass })),
});
const known = (k: Partial<KnownFailure>): KnownFailure => ({ client: '*', server: '*', transport: '*', codec: '*', reason: 'r', ...k });

describe('conformance verdicts', () => {
  it('passes when every case passes and nothing is listed', () => {
    const v = judge(outcome({ a: true, b: true }), cases, []);
    expect(v.ok).toBe(true);
    expect(v.counts.pass).toBe(2);
  });

  it('fails on an unlisted failure and on a case the client never reported', () => {
    expect(judge(outcome({ a: true, b: false }), cases, []).ok).toBe(false);
    const silent = judge(outcome({ a: true }), cases, []);
    expect(silent.ok).toBe(false);
    expect(silent.counts.fail).toBe(1);
  });

  it('accepts a listed failure, matched by case name or by feature, with wildcards', () => {
    expect(judge(outcome({ a: true, b: false }), cases, [known({ case: 'b' })]).ok).toBe(true);
    expect(judge(outcome({ a: true, b: false }), cases, [known({ feature: 'errors', server: 'python' })]).ok).toBe(true);
    expect(judge(outcome({ a: true, b: false }), cases, [known({ feature: 'errors', server: 'ts' })]).ok).toBe(false);
  });

  it('fails on an unexpected pass of a listed case', () => {
    const v = judge(outcome({ a: true, b: true }), cases, [known({ case: 'b' })]);
    expect(v.ok).toBe(false);
    expect(v.counts['unexpected-pass']).toBe(1);
  });

  it('reads only well-formed case lines', () => {
    expect(parseCaseLine('{"case":"a","ok":false,"detail":"x"}')).toEqual({ case: 'a', ok: false, detail: 'x' });
    expect(parseCaseLine('{"case":"a"}')).toBeUndefined();
    expect(parseCaseLine('log line')).toBeUndefined();
    expect(parseCaseLine('{not json')).toBeUndefined();
  });

  it('pairs direct only with the same language and intersects transports and codecs', () => {
    const lang = (name: string, transports: Language['transports'], codecs: Language['codecs']): Language =>
      ({ name, prepare: [], server: ['s'], client: ['c'], transports, codecs });
    const combos = planCombinations([lang('x', ['direct', 'unix'], ['json', 'msgpack']), lang('y', ['direct', 'tcp', 'unix'], ['msgpack'])]);
    const names = combos.map((c) => `${c.client}>${c.server} ${c.transport}/${c.codec}`);
    expect(names).toEqual([
      'x>x direct/none', 'x>x unix/json', 'x>x unix/msgpack', 'x>y unix/msgpack',
      'y>x unix/msgpack', 'y>y direct/none', 'y>y unix/msgpack', 'y>y tcp/msgpack',
    ]);
  });

  it('pairwise (quick runs): two languages cross every shared transport and codec, a language with itself every pair', () => {
    const lang = (name: string): Language =>
      ({ name, prepare: [], server: ['s'], client: ['c'], transports: ['direct', 'unix', 'tcp', 'stdio'], codecs: ['json', 'msgpack'] });
    const combos = planCombinations([lang('x'), lang('y')], { pairwise: true });
    const of = (client: string, server: string) =>
      combos.filter((c) => c.client === client && c.server === server).map((c) => `${c.transport}/${c.codec}`);
    expect(of('x', 'x')).toEqual(['direct/none', 'unix/json', 'unix/msgpack', 'tcp/json', 'tcp/msgpack', 'stdio/json', 'stdio/msgpack']);
    expect(of('x', 'y')).toEqual(['unix/json', 'tcp/msgpack', 'stdio/json']);
    expect(of('y', 'x')).toEqual(['unix/msgpack', 'tcp/json', 'stdio/msgpack']); // the rotation moves on
    expect(planCombinations([lang('x'), lang('y')])).toHaveLength(7 + 6 + 6 + 7);
  });

  it('expects results only for the cases that apply to a transport', () => {
    const onlyRemote: Case = { name: 'r', feature: 'streams', kind: 'ticks', function: 'die_mid_stream', transports: ['unix', 'tcp', 'stdio'] };
    const direct = { client: 'ts', server: 'ts', transport: 'direct', codec: 'none' } as const;
    expect(casesFor(direct, [...cases, onlyRemote]).map((c) => c.name)).toEqual(['a', 'b']);
    expect(casesFor(combo, [...cases, onlyRemote]).map((c) => c.name)).toEqual(['a', 'b', 'r']);
  });

  it("the feature table lays a known failure on the language its entry names, not on the other side", () => {
    const langs: Language[] = ['ts', 'c'].map((name) => ({ name, prepare: [], server: ['s'], client: ['c'], transports: ['unix'], codecs: ['json'] }));
    const onC = [known({ server: 'c', feature: 'errors' })];
    const run = (client: string, server: string, ok: Record<string, boolean>) =>
      judge({ combo: { client, server, transport: 'unix', codec: 'json' }, ms: 1, results: Object.entries(ok).map(([c, pass]) => ({ case: c, ok: pass })) }, cases, onC);
    const all = [run('ts', 'ts', { a: true, b: true }), run('ts', 'c', { a: true, b: false })];
    const table = matrixMarkdown(all, langs, cases, false);
    expect(table).toContain('| errors | ✓ | ✗ 0/1 |');
    expect(table).toContain('| scalars | ✓ | ✓ |');
  });

  it('runs a transport only with the languages that implement it, and the matrix shows that table', () => {
    const lang = (name: string, transports: Language['transports']): Language =>
      ({ name, prepare: [], server: ['s'], client: ['c'], transports, codecs: ['json', 'msgpack'] });
    const langs = [lang('x', ['unix', 'tcp', 'ws']), lang('y', ['unix', 'tcp'])];
    const combos = planCombinations(langs);
    expect(combos.filter((c) => c.transport === 'ws').map((c) => `${c.client}-${c.server}`)).toEqual(['x-x', 'x-x']);
    const table = matrixMarkdown([], langs, cases, false);
    expect(table).toContain('| ws | ✓ | – (not implemented) |');
    expect(table).toContain('| tcp | ✓ | ✓ |');
  });
});
