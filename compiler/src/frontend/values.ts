// Checks constant values and field defaults against their types and turns them into IR
// ConstValues: integer ranges (E0402), literal kinds (E0403), enum members (E0404), `none` only
// for optionals (E0405), duplicate map keys (E0409), constants defined through themselves
// (E0411), types without literals (E0413). Names in values are constants or `Enum.MEMBER`.

import type { ConstValue, ScalarName, Span, TypeRef } from '../ir/types.js';
import type { ConstNode, EnumMemberNode, EnumNode, Literal, NameRef } from './ast.js';
import { closest, type Reporter } from './report.js';
import { displayType, type TypeResolver } from './resolve-types.js';
import { declKindWord, lookup, type ModuleScope } from './scopes.js';

export const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  i8: [-(2n ** 7n), 2n ** 7n - 1n],
  i16: [-(2n ** 15n), 2n ** 15n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u8: [0n, 2n ** 8n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};

const F32_MAX = 3.4028234663852886e38;

/** Parses an integer literal's text: decimal or 0x hex, with an optional leading '-'. */
export function parseIntLiteral(text: string): bigint | undefined {
  const neg = text.startsWith('-');
  const body = neg || text.startsWith('+') ? text.slice(1) : text;
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(body)) return undefined;
  const v = BigInt(body);
  return neg ? -v : v;
}

/** An enum member's value if it is a valid i32 integer literal (the enum checks report it if not). */
export function enumMemberValue(member: EnumMemberNode): number | undefined {
  if (member.value.kind !== 'int') return undefined;
  const v = parseIntLiteral(member.value.text);
  const [lo, hi] = INT_RANGES['i32']!;
  return v !== undefined && v >= lo && v <= hi ? Number(v) : undefined;
}

type Kind = ConstValue['kind'];
const KIND_WORDS: Record<Kind, string> = {
  bool: 'a bool',
  int: 'an integer',
  float: 'a float',
  string: 'a string',
  enum: 'an enum member',
  list: 'a list',
  map: 'a map',
  none: 'none',
};

export class ValueChecker {
  private readonly consts = new Map<ConstNode, { type: TypeRef; value: ConstValue } | null>();
  private readonly inProgress = new Set<ConstNode>();

  constructor(
    private readonly types: TypeResolver,
    private readonly reporter: Reporter,
  ) {}

  /** A constant's type and checked value, computed once. */
  constant(scope: ModuleScope, node: ConstNode): { type: TypeRef; value: ConstValue } | undefined {
    const cached = this.consts.get(node);
    if (cached !== undefined) return cached ?? undefined;
    if (this.inProgress.has(node)) {
      this.reporter.error(
        'E0411',
        node.name.span,
        `constant '${node.name.text}' is defined in terms of itself`,
        'give one of the constants in the cycle a literal value',
      );
      this.consts.set(node, null);
      return undefined;
    }
    this.inProgress.add(node);
    const type = this.types.resolve(scope, node.type);
    const value = type && this.check(scope, node.value, type);
    this.inProgress.delete(node);
    if (!this.consts.has(node)) this.consts.set(node, type && value ? { type, value } : null);
    return this.consts.get(node) ?? undefined;
  }

  /** Checks a literal against a type; reports and returns undefined if it does not fit. */
  check(scope: ModuleScope, lit: Literal, type: TypeRef): ConstValue | undefined {
    if (lit.kind === 'name') {
      const v = this.nameValue(scope, lit.name);
      return v && this.coerce(v, type, lit.span, scope.name);
    }
    if (type.kind === 'optional') {
      return lit.kind === 'none' ? { kind: 'none' } : this.check(scope, lit, type.inner);
    }
    if (lit.kind === 'none') return this.noneError(lit.span, type, scope.name);
    switch (type.kind) {
      case 'scalar':
        return this.scalar(lit, type.name, lit.span);
      case 'list': {
        if (lit.kind !== 'list') return this.mismatch(lit.span, type, lit.kind, scope.name);
        const items = lit.items.map((item) => this.check(scope, item, type.element));
        return items.every(isDefined) ? { kind: 'list', items } : undefined;
      }
      case 'map': {
        if (lit.kind !== 'map') return this.mismatch(lit.span, type, lit.kind, scope.name);
        const seen = new Map<string, Span>();
        let ok = true;
        const entries: Array<{ key: ConstValue; value: ConstValue }> = [];
        for (const e of lit.entries) {
          const key = this.check(scope, e.key, type.key);
          const value = this.check(scope, e.value, type.value);
          if (!key || !value) {
            ok = false;
            continue;
          }
          const k = JSON.stringify(key);
          const first = seen.get(k);
          if (first) {
            this.reporter.error('E0409', e.key.span, 'duplicate key in map literal', 'remove one of the entries', [
              { message: 'first given here', span: first },
            ]);
            ok = false;
          } else {
            seen.set(k, e.key.span);
          }
          entries.push({ key, value });
        }
        return ok ? { kind: 'map', entries } : undefined;
      }
      case 'ref':
        if (type.declKind === 'enum') {
          this.reporter.error(
            'E0403',
            lit.span,
            `expected a member of enum '${displayType(type, scope.name)}', found ${literalWord(lit.kind)}`,
            `write the member by name, e.g. ${type.name}.MEMBER`,
          );
          return undefined;
        }
        return this.noLiteral(lit.span, type, scope.name);
    }
  }

  /** Checks an already computed value (a constant's, or an enum member) against a type. */
  private coerce(v: ConstValue, type: TypeRef, span: Span, current: string): ConstValue | undefined {
    if (type.kind === 'optional') return v.kind === 'none' ? v : this.coerce(v, type.inner, span, current);
    if (v.kind === 'none') return this.noneError(span, type, current);
    switch (type.kind) {
      case 'scalar':
        return this.scalar(v, type.name, span);
      case 'list': {
        if (v.kind !== 'list') return this.mismatch(span, type, v.kind, current);
        const items = v.items.map((i) => this.coerce(i, type.element, span, current));
        return items.every(isDefined) ? { kind: 'list', items } : undefined;
      }
      case 'map': {
        if (v.kind !== 'map') return this.mismatch(span, type, v.kind, current);
        const entries = v.entries.map((e) => ({
          key: this.coerce(e.key, type.key, span, current),
          value: this.coerce(e.value, type.value, span, current),
        }));
        return entries.every((e) => e.key && e.value)
          ? { kind: 'map', entries: entries as Array<{ key: ConstValue; value: ConstValue }> }
          : undefined;
      }
      case 'ref':
        if (type.declKind !== 'enum') return this.noLiteral(span, type, current);
        if (v.kind === 'enum' && v.enum.module === type.module && v.enum.name === type.name) return v;
        return this.mismatch(span, type, v.kind, current);
    }
  }

  /** A literal or a computed value against a scalar type. */
  private scalar(
    v: Literal | ConstValue,
    scalar: ScalarName,
    span: Span,
  ): ConstValue | undefined {
    const range = INT_RANGES[scalar];
    if (range) {
      if (v.kind !== 'int') return this.mismatch(span, { kind: 'scalar', name: scalar }, v.kind, '');
      const n = 'text' in v ? parseIntLiteral(v.text) : BigInt(v.value);
      if (n === undefined) return this.mismatch(span, { kind: 'scalar', name: scalar }, 'float', '');
      if (n < range[0] || n > range[1]) {
        this.reporter.error(
          'E0402',
          span,
          `${n} does not fit in ${scalar}`,
          `${scalar} holds ${range[0]}..${range[1]}`,
        );
        return undefined;
      }
      return { kind: 'int', value: n.toString() };
    }
    if (scalar === 'f32' || scalar === 'f64') {
      let f: number | 'nan' | 'inf' | '-inf';
      if (v.kind === 'int') {
        const n = 'text' in v ? parseIntLiteral(v.text) : BigInt(v.value);
        if (n === undefined) return this.mismatch(span, { kind: 'scalar', name: scalar }, 'string', '');
        f = Number(n);
      } else if (v.kind === 'float') {
        f = 'text' in v ? parseFloatText(v.text) : v.value;
      } else {
        return this.mismatch(span, { kind: 'scalar', name: scalar }, v.kind, '');
      }
      if (typeof f === 'number' && (!Number.isFinite(f) || (scalar === 'f32' && Math.abs(f) > F32_MAX))) {
        this.reporter.error(
          'E0402',
          span,
          `this value is too large for ${scalar}`,
          `${scalar} holds at most ±${scalar === 'f32' ? F32_MAX : Number.MAX_VALUE}; write inf for infinity`,
        );
        return undefined;
      }
      return { kind: 'float', value: f };
    }
    if (scalar === 'bool') {
      return v.kind === 'bool' ? { kind: 'bool', value: v.value } : this.mismatch(span, { kind: 'scalar', name: scalar }, v.kind, '');
    }
    // string and bytes (a bytes literal is the UTF-8 encoding of a string literal)
    return v.kind === 'string'
      ? { kind: 'string', value: v.value }
      : this.mismatch(span, { kind: 'scalar', name: scalar }, v.kind, '');
  }

  /** The value a name stands for: a constant, or `Enum.MEMBER` (optionally qualified). */
  private nameValue(scope: ModuleScope, name: NameRef): ConstValue | undefined {
    const parts = name.parts.map((p) => p.text);
    if (parts.length === 0) return undefined; // a placeholder left by syntax error recovery
    const written = parts.join('.');
    const whole = lookup(scope, parts);
    if (whole.ok) {
      if (whole.decl.kind === 'const') return this.constant(whole.module, whole.decl)?.value;
      this.reporter.error(
        'E0212',
        name.span,
        `'${written}' is ${declKindWord(whole.decl)}, not a value`,
        whole.decl.kind === 'enum' ? `write one of its members, e.g. ${written}.${firstMember(whole.decl)}` : undefined,
      );
      return undefined;
    }
    if (parts.length >= 2) {
      const owner = lookup(scope, parts.slice(0, -1));
      if (owner.ok && owner.decl.kind === 'enum') {
        const enumNode = owner.decl;
        const memberName = parts[parts.length - 1]!;
        const member = enumNode.members.find((m) => m.name.text === memberName);
        if (!member) {
          const guess = closest(memberName, enumNode.members.map((m) => m.name.text));
          this.reporter.error(
            'E0404',
            name.parts[name.parts.length - 1]!.span,
            `enum '${enumNode.name.text}' has no member '${memberName}'`,
            guess !== undefined
              ? `did you mean '${guess}'?`
              : `its members are ${[...new Set(enumNode.members.map((m) => m.name.text))].join(', ') || '(none)'}`,
            [{ message: 'enum declared here', span: enumNode.name.span }],
          );
          return undefined;
        }
        const value = enumMemberValue(member);
        if (value === undefined) return undefined; // reported by the enum's own checks
        return { kind: 'enum', enum: { module: owner.module.name, name: enumNode.name.text }, member: memberName, value };
      }
      if (owner.ok) {
        this.reporter.error(
          'E0212',
          name.span,
          `'${parts.slice(0, -1).join('.')}' is ${declKindWord(owner.decl)}, not an enum`,
          'only enum members and constants can be used as values',
        );
        return undefined;
      }
    }
    if (parts.length > 1 && scope.hasMissingImports && !whole.ok && whole.reason === 'unknown-qualifier') {
      return undefined; // probably qualified by the missing import
    }
    this.reporter.error(
      'E0209',
      name.span,
      `unknown constant or enum member '${written}'`,
      parts.length === 1 ? 'enum members are written with their enum: Enum.MEMBER' : undefined,
    );
    return undefined;
  }

  private mismatch(span: Span, type: TypeRef, found: Kind | Literal['kind'], current: string): undefined {
    this.reporter.error(
      'E0403',
      span,
      `expected ${displayType(type, current)}, found ${literalWord(found)}`,
      hintFor(type),
    );
    return undefined;
  }

  private noneError(span: Span, type: TypeRef, current: string): undefined {
    this.reporter.error(
      'E0405',
      span,
      `none is not a value of '${displayType(type, current)}'`,
      'only optional types can be none; declare the field as `name?: T`',
    );
    return undefined;
  }

  private noLiteral(span: Span, type: TypeRef, current: string): undefined {
    this.reporter.error(
      'E0413',
      span,
      `'${displayType(type, current)}' values cannot be written as literals`,
      'constants and defaults can only have scalar, enum, list, map or optional types',
    );
    return undefined;
  }
}

function parseFloatText(text: string): number | 'nan' | 'inf' | '-inf' {
  const t = text.replace(/^\+/, '');
  if (t === 'nan' || t === '-nan') return 'nan';
  if (t === 'inf') return 'inf';
  if (t === '-inf') return '-inf';
  return Number(t);
}

function literalWord(kind: Kind | Literal['kind']): string {
  return kind === 'name' ? 'a name' : KIND_WORDS[kind];
}

function hintFor(type: TypeRef): string | undefined {
  if (type.kind === 'scalar') {
    if (INT_RANGES[type.name]) return 'write an integer, e.g. 42 or 0x2A';
    if (type.name === 'f32' || type.name === 'f64') return 'write a number, e.g. 1.5, 1e9, nan or inf';
    if (type.name === 'bool') return 'write true or false';
    return 'write a double-quoted string';
  }
  if (type.kind === 'list') return 'write a list literal: [a, b]';
  if (type.kind === 'map') return 'write a map literal: { k: v }';
  return undefined;
}

function firstMember(e: EnumNode): string {
  return e.members[0]?.name.text ?? 'MEMBER';
}

function isDefined<T>(v: T | undefined): v is T {
  return v !== undefined;
}
