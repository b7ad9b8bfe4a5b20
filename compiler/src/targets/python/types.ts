// Python declarations for an IDL module's types: dataclasses for structs, exception classes for
// errors, open enums, one dataclass per union case plus a union alias, type aliases, constants.

import type { ConstValue, EnumDecl, ErrorDecl, Field, StructDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type PyField, type Writer, caseClassName, declPyName, enumMembers, pyFields, pyStr } from './context.js';
import { pyName } from './names.js';

/** The annotation of a type. */
export function pyType(ctx: Ctx, t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return 'bool';
        case 'f32':
        case 'f64':
          return 'float';
        case 'string':
          return 'str';
        case 'bytes':
          return 'bytes';
        default:
          return 'int';
      }
    case 'list':
      return `list[${pyType(ctx, t.element)}]`;
    case 'map':
      return `dict[${pyType(ctx, t.key)}, ${pyType(ctx, t.value)}]`;
    case 'optional':
      return `${pyType(ctx, t.inner)} | None`;
    case 'ref':
      return ctx.typeName(t);
  }
}

/** A float literal that stays a float in Python (`1` would be an int). */
export function pyFloat(value: number | 'nan' | 'inf' | '-inf'): string {
  if (value === 'nan') return 'float("nan")';
  if (value === 'inf') return 'float("inf")';
  if (value === '-inf') return 'float("-inf")';
  if (Number.isNaN(value)) return 'float("nan")';
  if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** A literal of a constant or default value. */
export function constExpr(ctx: Ctx, v: ConstValue, t: TypeRef): string {
  const inner = t.kind === 'optional' ? t.inner : t;
  switch (v.kind) {
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'int':
      return inner.kind === 'scalar' && (inner.name === 'f32' || inner.name === 'f64') ? pyFloat(Number(v.value)) : v.value;
    case 'float':
      return pyFloat(v.value);
    case 'string':
      // A bytes constant is written as a string literal in the IDL: its UTF-8 bytes.
      return inner.kind === 'scalar' && inner.name === 'bytes' ? `${pyStr(v.value)}.encode("utf-8")` : pyStr(v.value);
    case 'enum': {
      const ref = { kind: 'ref', module: v.enum.module, name: v.enum.name, declKind: 'enum' } as const;
      const decl = ctx.decl(v.enum.module, v.enum.name) as EnumDecl;
      const member = enumMembers(decl)[decl.members.findIndex((m) => m.name === v.member)];
      return member ? `${ctx.typeName(ref)}.${member.py}` : `${ctx.typeName(ref)}(${v.value})`;
    }
    case 'list': {
      const el = inner.kind === 'list' ? inner.element : inner;
      return `[${v.items.map((i) => constExpr(ctx, i, el)).join(', ')}]`;
    }
    case 'map': {
      const [kt, vt] = inner.kind === 'map' ? [inner.key, inner.value] : [inner, inner];
      return `{${v.entries.map((e) => `${constExpr(ctx, e.key, kt)}: ${constExpr(ctx, e.value, vt)}`).join(', ')}}`;
    }
    case 'none':
      return 'None';
  }
}

/**
 * The value a missing field takes (docs/wire.md §3.1): its declared default, else the type's
 * zero value. Undefined for a struct or union field without a default: it is required.
 */
export function zeroExpr(ctx: Ctx, f: Field): string | undefined {
  if (f.default !== undefined) return constExpr(ctx, f.default, f.type);
  const t = f.type;
  switch (t.kind) {
    case 'optional':
      return 'None';
    case 'list':
      return '[]';
    case 'map':
      return '{}';
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return 'False';
        case 'f32':
        case 'f64':
          return '0.0';
        case 'string':
          return '""';
        case 'bytes':
          return 'b""';
        default:
          return '0';
      }
    case 'ref': {
      if (t.declKind !== 'enum') return undefined;
      const decl = ctx.decl(t.module, t.name) as EnumDecl;
      const first = enumMembers(decl)[0];
      return first ? `${ctx.typeName(t)}.${first.py}` : `${ctx.typeName(t)}(0)`;
    }
  }
}

function isMutable(expr: string): boolean {
  return expr.startsWith('[') || expr.startsWith('{');
}

function dataclassField(ctx: Ctx, w: Writer, f: PyField): void {
  const zero = zeroExpr(ctx, f.field);
  const ann = pyType(ctx, f.field.type);
  if (zero === undefined) w.line(`${f.py}: ${ann}`);
  else if (isMutable(zero)) w.line(`${f.py}: ${ann} = _dc.field(default_factory=lambda: ${zero})`);
  else w.line(`${f.py}: ${ann} = ${zero}`);
  w.doc(fieldDoc(f.field));
}

function fieldDoc(f: Field): string | undefined {
  const parts: string[] = [];
  if (f.doc) parts.push(f.doc);
  if (f.annotations.deprecated) parts.push(`Deprecated${f.annotations.deprecated.reason ? `: ${f.annotations.deprecated.reason}` : '.'}`);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

export function emitEnum(ctx: Ctx, w: Writer, e: EnumDecl): void {
  const name = declPyName(e);
  w.line('');
  w.line('');
  w.line(`class ${name}(_rt.OpenEnum):`).indent(() => {
    w.doc(e.doc ?? `Enum ${ctx.module.name}.${e.name}: known members below; other values are kept as they are.`);
    w.line('');
    w.line('__slots__ = ()');
    for (const m of enumMembers(e)) w.line(`${m.py}: _t.ClassVar[${name}]`);
  });
  w.line('');
  w.line('');
  w.line(`${name}._define({${enumMembers(e).map((m) => `${pyStr(m.py)}: ${m.value}`).join(', ')}})`);
}

export function emitStruct(ctx: Ctx, w: Writer, s: StructDecl): void {
  w.line('');
  w.line('');
  w.line('@_dc.dataclass(slots=True, kw_only=True)');
  w.line(`class ${declPyName(s)}:`).indent(() => {
    w.doc(s.doc);
    const fields = pyFields(s);
    if (fields.length === 0 && !s.doc) w.line('pass');
    for (const f of fields) dataclassField(ctx, w, f);
  });
}

export function emitError(ctx: Ctx, w: Writer, e: ErrorDecl): void {
  const name = declPyName(e);
  const fields = pyFields(e);
  w.line('');
  w.line('');
  w.line(`class ${name}(_rt.ApplicationError):`).indent(() => {
    w.doc(e.doc);
    w.line('');
    w.line(`error_type: _t.ClassVar[str] = ${pyStr(`${ctx.module.name}.${e.name}`)}`);
    w.line('');
    const args = fields.map((f) => {
      const zero = zeroExpr(ctx, f.field);
      const ann = pyType(ctx, f.field.type);
      if (zero === undefined) return `${f.py}: ${ann}`;
      return isMutable(zero) ? `${f.py}: ${ann} | None = None` : `${f.py}: ${ann} = ${zero}`;
    });
    w.line(`def __init__(self, *, ${[...args, 'message: str | None = None'].join(', ')}) -> None:`).indent(() => {
      w.line('super().__init__(message)');
      for (const f of fields) {
        const zero = zeroExpr(ctx, f.field);
        const ann = pyType(ctx, f.field.type);
        if (zero !== undefined && isMutable(zero)) w.line(`self.${f.py}: ${ann} = ${zero} if ${f.py} is None else ${f.py}`);
        else w.line(`self.${f.py}: ${ann} = ${f.py}`);
      }
    });
    w.line('');
    w.line('def __repr__(self) -> str:').indent(() => {
      const shown = fields.map((f) => `${f.py}={self.${f.py}!r}`);
      w.line(`return f"${name}(${[...shown, 'message={self.message!r}'].join(', ')})"`);
    });
  });
}

export function emitUnion(ctx: Ctx, w: Writer, u: UnionDecl): void {
  for (const c of u.cases) {
    w.line('');
    w.line('');
    w.line('@_dc.dataclass(slots=True)');
    w.line(`class ${caseClassName(u, c)}:`).indent(() => {
      w.doc(c.doc ?? `Case \`${c.name}\` of ${declPyName(u)}.`);
      if (c.type) w.line(`value: ${pyType(ctx, c.type)}`);
    });
  }
  w.line('');
  w.line('');
  const cases = u.cases.map((c) => caseClassName(u, c));
  w.line(`${declPyName(u)}: _t.TypeAlias = ${cases.length > 0 ? cases.join(' | ') : '_t.NoReturn'}`);
  w.doc(u.doc);
}

/** Aliases go after every class, since their right-hand side is evaluated at import time. */
export function emitAlias(ctx: Ctx, w: Writer, name: string, t: TypeRef, doc: string | undefined): void {
  w.line('');
  w.line(`${name}: _t.TypeAlias = ${pyType(ctx, t)}`);
  w.doc(doc);
}

export function emitConsts(ctx: Ctx, w: Writer): void {
  if (ctx.module.consts.length === 0) return;
  w.line('');
  for (const c of ctx.module.consts) {
    w.line(`${pyName(c.name, 'const', c.annotations)}: _t.Final[${pyType(ctx, c.type)}] = ${constExpr(ctx, c.value, c.type)}`);
    w.doc(c.doc);
  }
}
