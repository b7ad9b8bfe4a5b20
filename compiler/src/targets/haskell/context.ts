// What every part of the Haskell target shares while it renders one IDL module: the IR lookups,
// the names (names.ts), the other generated modules actually referred to, and a small indenting
// line writer.

import type { AliasDecl, Bundle, Module, QualifiedName, TypeDecl, TypeRef } from '../../ir/types.js';
import { bundleNames, hsModuleName, type ModuleNames } from './names.js';

export class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }

  indent(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** A Haddock comment from a `///` doc comment, when there is one; long lines are wrapped. */
  doc(text: string | undefined, marker = '|'): this {
    if (text === undefined || text.trim() === '') return this;
    const parts = text.split('\n').flatMap((l) => wrap(l, 96 - 2 * this.depth));
    this.line(`-- ${marker} ${parts[0]}`.trimEnd());
    for (const p of parts.slice(1)) this.line(`-- ${p}`.trimEnd());
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Breaks a line of prose at spaces so that no piece is longer than `width` (when it can). */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  out.push(current);
  return out;
}

/** The IDL scalar types as Haskell types (qualified through the runtime's re-exports). */
const SCALARS: Record<string, string> = {
  bool: 'P.Bool',
  i8: 'G.Int8',
  i16: 'G.Int16',
  i32: 'G.Int32',
  i64: 'G.Int64',
  u8: 'G.Word8',
  u16: 'G.Word16',
  u32: 'G.Word32',
  u64: 'G.Word64',
  f32: 'P.Float',
  f64: 'P.Double',
  string: 'G.Text',
  bytes: 'G.ByteString',
};

export class Ctx {
  /** Other generated modules this one refers to. */
  readonly imports = new Set<string>();
  readonly names: ModuleNames;
  private readonly all: Map<string, ModuleNames>;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
    /** The module's source file name, as the header and the embedded IR show it. */
    readonly sourceName: string,
  ) {
    this.all = bundleNames(bundle);
    this.names = this.all.get(module.name)!;
  }

  decl(module: string, name: string): TypeDecl {
    const d = declIndex(this.bundle).get(`${module}.${name}`);
    if (d === undefined) throw new Error(`haskell target: unresolved type ${module}.${name}`);
    return d;
  }

  /** A name defined by `module`, qualified when it is not this module's (and the import noted). */
  qualify(module: string, name: string): string {
    if (module === this.module.name) return name;
    const hs = hsModuleName(module);
    this.imports.add(hs);
    return `${hs}.${name}`;
  }

  namesOf(module: string): ModuleNames {
    return this.all.get(module)!;
  }

  typeName(module: string, name: string): string {
    return this.qualify(module, this.namesOf(module).types.get(name)!);
  }

  /** The Haskell type of an IR type; an alias prints as the newtype the source named. */
  hsType(t: TypeRef): string {
    if (t.alias !== undefined) return this.typeName(t.alias.module, t.alias.name);
    return this.bareType(t);
  }

  /** The Haskell type of an IR type, ignoring the alias it was written with. */
  bareType(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar':
        return SCALARS[t.name]!;
      case 'list':
        return `[${this.hsType(t.element)}]`;
      case 'map':
        return `G.Map ${atom(this.hsType(t.key))} ${atom(this.hsType(t.value))}`;
      case 'optional':
        return `P.Maybe ${atom(this.hsType(t.inner))}`;
      case 'ref':
        return this.typeName(t.module, t.name);
    }
  }

  /** The declaration of the alias a type was written with. */
  aliasDecl(a: QualifiedName): AliasDecl {
    return this.decl(a.module, a.name) as AliasDecl;
  }

  /**
   * The newtypes a value of `t` is wrapped in, outermost first: an alias whose own type is written
   * with another alias is a newtype of that newtype.
   */
  aliasChain(t: TypeRef): QualifiedName[] {
    const chain: QualifiedName[] = [];
    for (let a = t.alias; a !== undefined; a = this.aliasDecl(a).type.alias) chain.push(a);
    return chain;
  }

  /** Wraps an expression of the bare type into the alias newtypes `t` is written with. */
  wrap(t: TypeRef, expr: string): string {
    let out = expr;
    for (const a of this.aliasChain(t).reverse()) out = `(${this.typeName(a.module, a.name)} ${atom(out)})`;
    return out;
  }

  /** A function that wraps a value of the bare type into the alias newtypes of `t` (or `P.id`). */
  wrapFn(t: TypeRef): string {
    const chain = this.aliasChain(t);
    if (chain.length === 0) return 'P.id';
    return `(${chain.map((a) => this.typeName(a.module, a.name)).join(' P.. ')})`;
  }

  /** A function that unwraps a value of `t` to its bare type (`P.id` when there is no alias). */
  unwrapFn(t: TypeRef): string {
    const chain = this.aliasChain(t);
    if (chain.length === 0) return 'P.id';
    return `(${chain
      .reverse()
      .map((a) => this.qualify(a.module, this.namesOf(a.module).unwrap.get(a.name)!))
      .join(' P.. ')})`;
  }
}

/** Parenthesises a type or expression unless it is one token (or already bracketed). */
export function atom(s: string): string {
  if (/^[\w.']+$/.test(s) || (s.startsWith('[') && s.endsWith(']') && balanced(s)) || (s.startsWith('(') && s.endsWith(')') && balanced(s))) return s;
  return `(${s})`;
}

/** True when the first bracket of `s` closes at its last character. */
function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      depth--;
      if (depth === 0 && i !== s.length - 1) return false;
    }
  }
  return depth === 0;
}

const declIndexes = new WeakMap<Bundle, Map<string, TypeDecl>>();

/** Every declaration of a bundle by `module.name`, built once (lookups stay O(1) at scale). */
function declIndex(bundle: Bundle): Map<string, TypeDecl> {
  let index = declIndexes.get(bundle);
  if (index === undefined) {
    index = new Map();
    for (const m of bundle.modules) for (const t of m.types) index.set(`${m.name}.${t.name}`, t);
    declIndexes.set(bundle, index);
  }
  return index;
}

/** A Haskell string literal: printable ASCII as is, everything else as a decimal escape. */
export function hsStr(s: string): string {
  let out = '"';
  let afterNumericEscape = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== '\\') {
      // A digit right after a numeric escape would extend it: `\&` ends the escape.
      if (afterNumericEscape && /[0-9]/.test(ch)) out += '\\&';
      out += ch;
      afterNumericEscape = false;
    } else if (ch === '"' || ch === '\\') {
      out += '\\' + ch;
      afterNumericEscape = false;
    } else {
      out += `\\${cp}`;
      afterNumericEscape = true;
    }
  }
  return out + '"';
}
