// TypeScript expressions for IR constant values and for the zero value a missing field takes
// (docs/wire.md §3.1).

import type { ConstValue, TypeRef } from '../../ir/types.js';
import type { GenContext } from './context.js';
import { tsString } from './code-writer.js';

/** A literal of `value`, typed as `type`. */
export function constExpr(ctx: GenContext, value: ConstValue, type: TypeRef): string {
  const t = type.kind === 'optional' ? type.inner : type;
  switch (value.kind) {
    case 'bool':
      return String(value.value);
    case 'int':
      return t.kind === 'scalar' && (t.name === 'i64' || t.name === 'u64') ? `${value.value}n` : value.value;
    case 'float':
      if (value.value === 'nan') return 'NaN';
      if (value.value === 'inf') return 'Infinity';
      if (value.value === '-inf') return '-Infinity';
      // `3.4e38`, not `3.4e+38`: numbers as prettier prints them.
      return Object.is(value.value, -0) ? '-0' : String(value.value).replace('e+', 'e');
    case 'string':
      // A bytes constant is written as a string literal in the IDL: its UTF-8 bytes.
      if (t.kind === 'scalar' && t.name === 'bytes')
        return `new Uint8Array([${[...Buffer.from(value.value, 'utf8')].join(', ')}])`;
      return tsString(value.value);
    case 'enum':
      return enumMemberExpr(ctx, value.enum.module, value.enum.name, value.member);
    case 'list': {
      const element = t.kind === 'list' ? t.element : t;
      return `[${value.items.map((v) => constExpr(ctx, v, element)).join(', ')}]`;
    }
    case 'map': {
      if (t.kind !== 'map') throw new Error('ts target: map constant for a non-map type');
      const entries = value.entries.map(
        (e) => `[${constExpr(ctx, e.key, t.key)}, ${constExpr(ctx, e.value, t.value)}]`,
      );
      return `new Map<${ctx.tsType(t.key)}, ${ctx.tsType(t.value)}>([${entries.join(', ')}])`;
    }
    case 'none':
      return 'undefined';
  }
}

/**
 * A list or map constant as an opener, its items and a closer, so the writer can break it over
 * lines; undefined for other values. `forceBreak` where prettier always breaks: several items that
 * are all array literals of more than one element (map entries, lists of lists).
 */
export function constParts(
  ctx: GenContext,
  value: ConstValue,
  type: TypeRef,
): { head: string; items: string[]; tail: string; forceBreak: boolean } | undefined {
  const t = type.kind === 'optional' ? type.inner : type;
  if (value.kind === 'list' && t.kind === 'list') {
    const nested = value.items.every((v) => v.kind === 'list' && v.items.length > 1);
    const items = value.items.map((v) => constExpr(ctx, v, t.element));
    return { head: '[', items, tail: ']', forceBreak: items.length > 1 && nested };
  }
  if (value.kind === 'map' && t.kind === 'map') {
    const items = value.entries.map((e) => `[${constExpr(ctx, e.key, t.key)}, ${constExpr(ctx, e.value, t.value)}]`);
    return { head: `new Map<${ctx.tsType(t.key)}, ${ctx.tsType(t.value)}>([`, items, tail: '])', forceBreak: items.length > 1 };
  }
  return undefined;
}

export function enumMemberExpr(
  ctx: GenContext,
  moduleName: string,
  enumName: string,
  member: string,
): string {
  const names = ctx.allNames.get(moduleName)!;
  const memberName = names.enumMembers.get(enumName)?.get(member) ?? member;
  return `${ctx.typeName(moduleName, enumName)}.${memberName}`;
}

/**
 * The value a decoder gives a missing non-optional field, or undefined when the type has none
 * (a struct or union field: missing is an error).
 */
export function zeroExpr(ctx: GenContext, type: TypeRef): string | undefined {
  switch (type.kind) {
    case 'optional':
      return 'undefined';
    case 'list':
      return `[]`;
    case 'map':
      return `new Map<${ctx.tsType(type.key)}, ${ctx.tsType(type.value)}>()`;
    case 'scalar':
      switch (type.name) {
        case 'bool':
          return 'false';
        case 'i64':
        case 'u64':
          return '0n';
        case 'string':
          return "''";
        case 'bytes':
          return 'new Uint8Array(0)';
        default:
          return '0';
      }
    case 'ref': {
      const decl = ctx.decl(type.module, type.name);
      if (decl.kind !== 'enum') return undefined;
      const first = decl.members[0];
      return first === undefined ? '0' : enumMemberExpr(ctx, type.module, decl.name, first.name);
    }
  }
}
