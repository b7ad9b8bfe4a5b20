// Haskell expressions for constants and field defaults (IR ConstValues), typed by their TypeRef:
// literals rely on OverloadedStrings (Text) and on the type the context gives a number.

import type { ConstValue, EnumDecl, Field, TypeRef } from '../../ir/types.js';
import { type Ctx, atom, hsStr } from './context.js';

function floatLiteral(value: number | 'nan' | 'inf' | '-inf'): string {
  if (value === 'nan' || Number.isNaN(value)) return '(0 P./ 0)';
  if (value === 'inf' || value === Infinity) return '(1 P./ 0)';
  if (value === '-inf' || value === -Infinity) return '(P.negate (1 P./ 0))';
  if (Object.is(value, -0)) return '(P.negate 0)';
  const text = String(value);
  return value < 0 ? `(${text})` : text;
}

function intLiteral(text: string): string {
  return text.startsWith('-') ? `(${text})` : text;
}

/** An expression of the Haskell type of `t` holding the value `v`. */
export function constExpr(ctx: Ctx, v: ConstValue, t: TypeRef): string {
  return ctx.wrap(t, bareConst(ctx, v, t));
}

function bareConst(ctx: Ctx, v: ConstValue, t: TypeRef): string {
  if (t.kind === 'optional') return v.kind === 'none' ? 'P.Nothing' : `(P.Just ${atom(constExpr(ctx, v, t.inner))})`;
  switch (v.kind) {
    case 'bool':
      return v.value ? 'P.True' : 'P.False';
    case 'int':
      return intLiteral(v.value);
    case 'float':
      return floatLiteral(v.value);
    case 'string':
      // A bytes constant is written as a string in the IDL: its UTF-8 bytes.
      return t.kind === 'scalar' && t.name === 'bytes' ? `(G.utf8 ${hsStr(v.value)})` : hsStr(v.value);
    case 'enum': {
      const decl = ctx.decl(v.enum.module, v.enum.name) as EnumDecl;
      const names = ctx.namesOf(v.enum.module);
      if (decl.members.some((m) => m.name === v.member)) return ctx.qualify(v.enum.module, names.members.get(`${v.enum.name}.${v.member}`)!);
      return `(${ctx.qualify(v.enum.module, names.unknown.get(v.enum.name)!)} ${intLiteral(String(v.value))})`;
    }
    case 'list': {
      const element = t.kind === 'list' ? t.element : t;
      return `[${v.items.map((i) => constExpr(ctx, i, element)).join(', ')}]`;
    }
    case 'map': {
      const [k, x] = t.kind === 'map' ? [t.key, t.value] : [t, t];
      return `(G.mapFromList [${v.entries.map((e) => `(${constExpr(ctx, e.key, k)}, ${constExpr(ctx, e.value, x)})`).join(', ')}])`;
    }
    case 'none':
      return 'P.Nothing';
  }
}

/** The declared default of a field, when it has one. */
export function defaultExpr(ctx: Ctx, f: Field): string | undefined {
  return f.default === undefined ? undefined : constExpr(ctx, f.default, f.type);
}
