// `interopc breaking`: every change from an old to a new version of a set of modules that breaks
// a peer built from the old one. Each declaration both versions have is compared with the same
// entries and the same rule as the handshake (./describe.ts, ./compare.ts); removals, which the
// handshake meets only when a call is made, are reported here as well, and so is a field removed
// without `reserved` (which breaks nothing yet, but lets a later version reuse its id).

import type { Diagnostic } from '../frontend/diagnostic.js';
import { sortDiagnostics } from '../frontend/report.js';
import type { Bundle, CompatEntry, EnumDecl, Module, Reserved, Span, TypeDecl } from '../ir/types.js';
import type { BreakingCode } from './codes.js';
import { differences, type Difference } from './compare.js';
import { describeEvent, describeFunction, describeType, isRequiredType } from './describe.js';

/** One version: its bundle, and how its file names are shown (`git:HEAD:chat.interop`). */
export interface Version {
  bundle: Bundle;
  file: (name: string) => string;
}

type NamedDecl = Exclude<TypeDecl, { kind: 'alias' }>;

/** A member of a declaration, as the entries' keys name it: `#id` (or `#value`) and `.name`. */
interface Member {
  id: number;
  name: string;
  span: Span;
}

/** The declaration being compared, in both versions. */
interface Pair {
  /** `function example.chat.post`, `struct example.chat.Message`, … */
  what: string;
  /** `parameter`, `field`, `member`, `case`. */
  memberWord: string;
  isEnum: boolean;
  oldMembers: Member[];
  newMembers: Member[];
  oldSpan: Span;
  newSpan: Span;
}

const HINTS: Record<BreakingCode, string> = {
  E0601: 'peers built from the old version call it; keep the module (mark what you retire @deprecated)',
  E0602: 'callers built from the old version get UNIMPLEMENTED; keep it (mark it @deprecated) until no caller uses it',
  E0603: 'subscribers built from the old version get NOT_FOUND; keep it (mark it @deprecated) until nobody subscribes',
  E0604: 'peers built from the old version name it; keep the type, or add a new one beside it',
  E0605: 'peers of the old version refuse every call that uses it (SCHEMA_MISMATCH); add a new declaration instead',
  E0606: 'peers of the old version refuse it (SCHEMA_MISMATCH); add a new function or event with the new type instead',
  E0607: 'peers of the old version refuse every call that uses it (SCHEMA_MISMATCH); add a new member with a new id, and reserve the old one',
  E0608: 'JSON names members, so peers of the old version no longer match it; keep the old name (`@name` renames it in one language only)',
  E0609: 'msgpack numbers members, so peers of the old version read another one; keep the old id',
  E0610: 'a struct or union by value cannot be made up by a reader that does not get it: make the field optional (`?`)',
  E0611: 'nothing breaks yet, but a later version could reuse the id with another meaning',
};

export function breakingChanges(old: Version, neu: Version): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (v: Version, span: Span): Span => ({ ...span, file: v.file(span.file) });
  const report = (code: BreakingCode, span: Span, message: string, related?: { message: string; span: Span }, hint = HINTS[code]) => {
    const d: Diagnostic = { code, severity: 'error', message, span, hint };
    if (related) d.related = [related];
    out.push(d);
  };
  const wasHere = (span: Span) => ({ message: 'in the old version', span: at(old, span) });

  for (const m0 of old.bundle.modules) {
    const m1 = neu.bundle.modules.find((m) => m.name === m0.name);
    if (!m1) {
      if (old.bundle.roots.includes(m0.name)) report('E0601', at(old, m0.span), `module ${m0.name} was removed`);
      continue;
    }
    compareModule(m0, m1);
  }
  return sortDiagnostics(out);

  function compareModule(m0: Module, m1: Module): void {
    for (const f0 of m0.functions) {
      const f1 = m1.functions.find((f) => f.name === f0.name);
      if (!f1) {
        report('E0602', at(old, f0.span), `function ${m0.name}.${f0.name} was removed`);
        continue;
      }
      const params = (ps: typeof f0.params): Member[] => ps.map((p) => ({ id: p.id, name: p.name, span: p.span }));
      compareEntries(describeFunction(f0, []), describeFunction(f1, []), {
        what: `function ${m0.name}.${f0.name}`, memberWord: 'parameter', isEnum: false,
        oldMembers: params(f0.params), newMembers: params(f1.params), oldSpan: f0.span, newSpan: f1.span,
      });
    }
    for (const e0 of m0.events) {
      const e1 = m1.events.find((e) => e.name === e0.name);
      if (!e1) {
        report('E0603', at(old, e0.span), `event ${m0.name}.${e0.name} was removed`);
        continue;
      }
      compareEntries(describeEvent(e0, []), describeEvent(e1, []), {
        what: `event ${m0.name}.${e0.name}`, memberWord: 'member', isEnum: false, oldMembers: [], newMembers: [], oldSpan: e0.span, newSpan: e1.span,
      });
    }
    for (const d0 of m0.types) {
      if (d0.kind === 'alias') continue;
      const d1 = m1.types.find((d): d is NamedDecl => d.kind !== 'alias' && d.name === d0.name);
      const name = `${m0.name}.${d0.name}`;
      if (!d1) {
        report('E0604', at(old, d0.span), `${d0.kind} ${name} was removed`);
      } else if (d1.kind !== d0.kind) {
        report('E0605', at(neu, d1.span), `${name} changed from ${d0.kind} to ${d1.kind}`, wasHere(d0.span));
      } else {
        compareEntries(describeType(d0), describeType(d1), {
          what: `${d0.kind} ${name}`, memberWord: d0.kind === 'enum' ? 'member' : d0.kind === 'union' ? 'case' : 'field', isEnum: d0.kind === 'enum',
          oldMembers: membersOf(d0), newMembers: membersOf(d1), oldSpan: d0.span, newSpan: d1.span,
        });
        removedWithoutReserving(d0, d1, name);
      }
    }
  }

  function compareEntries(a: CompatEntry, b: CompatEntry, p: Pair): void {
    const diffs = differences(a, b);
    // A renamed or renumbered member differs on one key and leaves its other key on one side
    // only: it is reported once, by the key whose texts differ.
    const explained = new Set<string>();
    for (const d of diffs.filter((x) => x.ours !== undefined && x.theirs !== undefined)) both(d, p, explained);
    for (const d of diffs.filter((x) => (x.ours === undefined || x.theirs === undefined) && x.key.startsWith('#'))) {
      if (!explained.has(d.key)) oneSided(d, p, explained);
    }
    for (const d of diffs.filter((x) => (x.ours === undefined || x.theirs === undefined) && !x.key.startsWith('#'))) {
      if (!explained.has(d.key)) oneSided(d, p, explained);
    }
  }

  function both(d: Difference, p: Pair, explained: Set<string>): void {
    const a = d.ours!;
    const b = d.theirs!;
    if (d.key === 'kind') return report('E0605', at(neu, p.newSpan), `${p.what} changed from ${a} to ${b}`, wasHere(p.oldSpan));
    if (!d.key.startsWith('#') && !d.key.startsWith('.')) {
      return report('E0606', at(neu, p.newSpan), `the ${d.key} of ${p.what} changed from ${a} to ${b}`, wasHere(p.oldSpan));
    }
    const span = memberSpan(p, d.key);
    const idWord = p.isEnum ? 'value' : 'id';
    if (d.key.startsWith('#')) {
      const id = d.key.slice(1);
      const [n0, t0] = split(a);
      const [n1, t1] = split(b);
      explained.add(`.${n0}`).add(`.${n1}`);
      if (t0 !== t1) {
        const renamed = n0 === n1 ? '' : `, and was renamed from '${n0}'`;
        return report('E0607', span, `${p.what}: ${p.memberWord} '${n1}' (${idWord} ${id}) changed type from ${t0 || '(none)'} to ${t1 || '(none)'}${renamed}`);
      }
      return report('E0608', span, `${p.what}: ${p.memberWord} ${idWord} ${id} was renamed from '${n0}' to '${n1}'`);
    }
    // `.name`: the member keeps its name under another id (another value, for an enum).
    explained.add(a).add(b);
    report('E0609', span, `${p.what}: ${p.memberWord} '${d.key.slice(1)}' changed ${idWord} from ${a.slice(1)} to ${b.slice(1)}`);
  }

  function oneSided(d: Difference, p: Pair, explained: Set<string>): void {
    const removed = d.theirs === undefined;
    const text = (removed ? d.ours : d.theirs)!;
    if (!d.key.startsWith('#') && !d.key.startsWith('.')) {
      const a = /^[aeiou]/.test(d.key) ? 'an' : 'a';
      const message = removed ? `${p.what} no longer has ${a} ${d.key} (it had ${text})` : `${p.what} now has ${a} ${d.key}, ${text} (it had none)`;
      return report('E0606', at(neu, p.newSpan), message, wasHere(p.oldSpan));
    }
    const [name, type] = d.key.startsWith('#') ? split(text) : [d.key.slice(1), ''];
    explained.add(`.${name}`);
    const kind = p.memberWord === 'case' ? 'union case' : `required ${p.memberWord}`;
    const shown = `'${name}'${d.key.startsWith('#') ? ` (id ${d.key.slice(1)}${type ? `, ${type}` : ''})` : ''}`;
    const hint = p.memberWord === 'case' ? 'a reader that does not know a union case refuses the value: add a new union type instead' : HINTS.E0610;
    if (removed) return report('E0610', at(neu, p.newSpan), `${p.what}: ${kind} ${shown} was removed`, wasHere(memberOf(p.oldMembers, d.key)?.span ?? p.oldSpan), hint);
    report('E0610', memberSpan(p, d.key), `${p.what}: ${kind} ${shown} was added`, undefined, hint);
  }

  function memberSpan(p: Pair, key: string): Span {
    return at(neu, memberOf(p.newMembers, key)?.span ?? p.newSpan);
  }

  function removedWithoutReserving(d0: NamedDecl, d1: NamedDecl, name: string): void {
    if (d0.kind === 'union' || d1.kind === 'union') return; // a removed case is E0610 already
    const kept = membersOf(d1);
    for (const m of membersOf(d0)) {
      if (kept.some((k) => k.id === m.id || k.name === m.name)) continue;
      if (d0.kind !== 'enum' && isRequiredType((d0.fields.find((f) => f.id === m.id))!.type)) continue; // E0610
      const reserved = (d1 as { reserved: Reserved }).reserved;
      if (reserved.ids.some((r) => r.from <= m.id && m.id <= r.to) && reserved.names.includes(m.name)) continue;
      const what = d0.kind === 'enum' ? `member '${m.name}' (value ${m.id})` : `field '${m.name}' (id ${m.id})`;
      report('E0611', at(neu, d1.span), `${d0.kind} ${name}: ${what} was removed without reserving its ${d0.kind === 'enum' ? 'value' : 'id'} and name`,
        wasHere(m.span), `${HINTS.E0611}: add \`reserved ${m.id}, "${m.name}";\``);
    }
  }
}

/** Members of a type, by the id (or enum value) and name that the entries' keys use. */
function membersOf(d: NamedDecl): Member[] {
  switch (d.kind) {
    case 'struct':
    case 'error':
      return d.fields.map((f) => ({ id: f.id, name: f.name, span: f.span }));
    case 'enum':
      return (d as EnumDecl).members.map((m) => ({ id: m.value, name: m.name, span: m.span }));
    case 'union':
      return d.cases.map((c) => ({ id: c.id, name: c.name, span: c.span }));
  }
}

function memberOf(members: Member[], key: string): Member | undefined {
  if (key.startsWith('#')) return members.find((m) => `#${m.id}` === key);
  if (key.startsWith('.')) return members.find((m) => `.${m.name}` === key);
  return undefined;
}

/** `name:type` (a unit union case or an enum member: just `name`). */
function split(text: string): [string, string] {
  const i = text.indexOf(':');
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

