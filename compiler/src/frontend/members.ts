// Rules for the members of a declaration: numbered members (struct and error fields, union
// cases, function parameters) and enum members. Duplicate names (E0203, E0213) and ids (E0301),
// id ranges (E0302, E0303), enum values (E0304, E0305, E0308), reserved ids and names
// (E0306, E0307, E0309), empty enums and unions (E0417).

import type { Reserved, Span } from '../ir/types.js';
import type { EnumNode, FieldNode, Ident, ReservedNode } from './ast.js';
import type { Reporter } from './report.js';
import { INT_RANGES, parseIntLiteral } from './values.js';

export const MAX_ID = 536870911; // 2^29 - 1
export const PROTOBUF_RESERVED: readonly [number, number] = [19000, 19999];
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

export interface NumberedMember {
  id: FieldNode['id'];
  name: Ident;
}

export type MemberWord = 'field' | 'case' | 'parameter';

interface ReservedSet {
  ranges: Array<{ from: number; to: number; span: Span }>;
  names: Map<string, Span>;
}

/** Checks a reserved block's ranges against the allowed id or value range; collects the set. */
function collectReserved(
  reserved: ReservedNode[],
  min: number,
  max: number,
  what: string,
  reporter: Reporter,
): ReservedSet {
  const set: ReservedSet = { ranges: [], names: new Map() };
  for (const r of reserved) {
    for (const range of r.ranges) {
      if (range.from > range.to) {
        reporter.error(
          'E0309',
          range.span,
          `reserved range ${range.from}..${range.to} is empty`,
          `write the smaller ${what} first: ${range.to}..${range.from}`,
        );
      } else if (range.from < min || range.to > max) {
        reporter.error('E0309', range.span, `reserved ${what}s must lie in ${min}..${max}`, undefined);
      } else {
        set.ranges.push(range);
      }
    }
    for (const n of r.names) if (!set.names.has(n.value)) set.names.set(n.value, n.span);
  }
  return set;
}

export function reservedToIr(reserved: ReservedNode[]): Reserved {
  const ids: Array<{ from: number; to: number }> = [];
  const names: string[] = [];
  for (const r of reserved) {
    for (const range of r.ranges) if (range.from <= range.to) ids.push({ from: range.from, to: range.to });
    for (const n of r.names) if (!names.includes(n.value)) names.push(n.value);
  }
  return { ids, names };
}

function checkReservedUse(
  value: number | undefined,
  valueSpan: Span,
  name: Ident,
  set: ReservedSet,
  word: string,
  reporter: Reporter,
): void {
  if (value !== undefined) {
    const hit = set.ranges.find((r) => value >= r.from && value <= r.to);
    if (hit) {
      reporter.error(
        'E0306',
        valueSpan,
        `${word} ${value} is reserved`,
        'reserved ids and values belong to removed members; pick an unused one',
        [{ message: 'reserved here', span: hit.span }],
      );
    }
  }
  const nameHit = set.names.get(name.text);
  if (nameHit) {
    reporter.error(
      'E0307',
      name.span,
      `the name '${name.text}' is reserved`,
      'reserved names belong to removed members; pick another name',
      [{ message: 'reserved here', span: nameHit }],
    );
  }
}

/** Struct/error fields, union cases and function parameters. `owner` reads like "struct 'User'". */
export function checkNumbered(
  members: NumberedMember[],
  reserved: ReservedNode[],
  word: MemberWord,
  owner: string,
  reporter: Reporter,
): void {
  const set = collectReserved(reserved, 1, MAX_ID, 'id', reporter);
  const names = new Map<string, Ident>();
  const ids = new Map<number, NumberedMember>();
  for (const m of members) {
    const firstName = names.get(m.name.text);
    if (firstName) {
      reporter.error(
        'E0203',
        m.name.span,
        `${owner} has two ${word}s named '${m.name.text}'`,
        `rename one of the ${word}s`,
        [{ message: 'first declared here', span: firstName.span }],
      );
    } else {
      names.set(m.name.text, m.name);
    }
    const id = m.id.value;
    if (id === null) continue; // unparsable: the parser reported it
    if (id < 1 || id > MAX_ID) {
      reporter.error('E0302', m.id.span, `${word} id ${id} is out of range`, `ids run from 1 to ${MAX_ID} (2^29-1)`);
    } else if (id >= PROTOBUF_RESERVED[0] && id <= PROTOBUF_RESERVED[1]) {
      reporter.error(
        'E0303',
        m.id.span,
        `${word} id ${id} is in the reserved range 19000..19999`,
        'protobuf reserves 19000..19999 for itself; pick another id',
      );
    }
    const firstId = ids.get(id);
    if (firstId) {
      reporter.error(
        'E0301',
        m.id.span,
        `${owner} uses ${word} id ${id} twice`,
        `give '${m.name.text}' an unused id`,
        [{ message: `first used by '${firstId.name.text}'`, span: firstId.id.span }],
      );
    } else {
      ids.set(id, m);
    }
    checkReservedUse(id, m.id.span, m.name, set, `${word} id`, reporter);
  }
}

/** Enum members: values are i32 integer literals, unique, not reserved; names unique. */
export function checkEnum(node: EnumNode, reporter: Reporter): void {
  const set = collectReserved(node.reserved, I32_MIN, I32_MAX, 'value', reporter);
  if (node.members.length === 0) {
    reporter.error('E0417', node.name.span, `enum '${node.name.text}' has no members`, 'an enum needs at least one member');
  }
  const names = new Map<string, Ident>();
  const values = new Map<number, EnumNode['members'][number]>();
  const [lo, hi] = INT_RANGES['i32']!;
  for (const m of node.members) {
    const firstName = names.get(m.name.text);
    if (firstName) {
      reporter.error(
        'E0213',
        m.name.span,
        `enum '${node.name.text}' has two members named '${m.name.text}'`,
        'rename one of the members',
        [{ message: 'first declared here', span: firstName.span }],
      );
    } else {
      names.set(m.name.text, m.name);
    }
    let value: number | undefined;
    const big = m.value.kind === 'int' ? parseIntLiteral(m.value.text) : undefined;
    if (big === undefined) {
      reporter.error(
        'E0308',
        m.value.span,
        `the value of enum member '${m.name.text}' must be an integer literal`,
        `write e.g. ${m.name.text} = ${node.members.indexOf(m) + 1};`,
      );
    } else if (big < lo || big > hi) {
      reporter.error('E0304', m.value.span, `enum value ${big} is outside i32`, `enum values run from ${lo} to ${hi}`);
    } else {
      value = Number(big);
      const first = values.get(value);
      if (first) {
        reporter.error(
          'E0305',
          m.value.span,
          `enum '${node.name.text}' uses value ${value} twice`,
          `give '${m.name.text}' an unused value`,
          [{ message: `first used by '${first.name.text}'`, span: first.value.span }],
        );
      } else {
        values.set(value, m);
      }
    }
    checkReservedUse(value, m.value.span, m.name, set, 'enum value', reporter);
  }
}

/** Unions need at least one case. */
export function checkUnionNotEmpty(name: Ident, caseCount: number, reporter: Reporter): void {
  if (caseCount === 0) {
    reporter.error('E0417', name.span, `union '${name.text}' has no cases`, 'a union needs at least one case');
  }
}
