// What every part of the Python target shares while it renders one IDL module: the IR lookups,
// the names assigned once per declaration, the cross-module imports actually used, and a small
// indenting line writer.

import type { Bundle, EnumDecl, ErrorDecl, Field, Module, StructDecl, TypeDecl, TypeRef, UnionCase, UnionDecl } from '../../ir/types.js';
import { moduleFileName, pascalCase, pyName, uniqueNames } from './names.js';

export class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text = ''): this {
    this.lines.push(text === '' ? '' : '    '.repeat(this.depth) + text);
    return this;
  }

  indent(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** A docstring from a `///` comment, when there is one. */
  doc(text: string | undefined): this {
    if (text === undefined || text.trim() === '') return this;
    const clean = text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
    const parts = clean.split('\n');
    if (parts.length === 1) return this.line(`"""${parts[0]}"""`);
    this.line(`"""${parts[0]}`);
    for (const p of parts.slice(1)) this.line(p);
    return this.line('"""');
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** A named field of a struct, an error, or a function's implicit params struct. */
export interface PyField {
  field: Field;
  py: string;
}

export class Ctx {
  /** Other generated modules this file references, by file name. */
  readonly imports = new Set<string>();

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {}

  decl(module: string, name: string): TypeDecl {
    const d = declIndex(this.bundle).get(`${module}.${name}`);
    if (d === undefined) throw new Error(`python target: unresolved type ${module}.${name}`);
    return d;
  }

  /** Prefix for a symbol of another module's file (and records the import), '' when local. */
  qualifier(module: string): string {
    if (module === this.module.name) return '';
    const file = moduleFileName(module);
    this.imports.add(file);
    return `_m_${file}.`;
  }

  /** The Python class (or alias) name of a declared type, qualified when it is not local. */
  typeName(t: Extract<TypeRef, { kind: 'ref' }>): string {
    return this.qualifier(t.module) + declPyName(this.decl(t.module, t.name));
  }

  /** A name for the codec functions of a declared type: `_jw_Point` etc. get this suffix. */
  codecName(t: Extract<TypeRef, { kind: 'ref' }>, prefix: string): string {
    return `${this.qualifier(t.module)}${prefix}_${declPyName(this.decl(t.module, t.name))}`;
  }
}

const declIndexes = new WeakMap<Bundle, Map<string, TypeDecl>>();

/** Every declaration of a bundle by `module.name`, built once: lookups stay O(1) on a schema of
 * thousands of declarations (a linear search per reference made generation quadratic). */
export function declIndex(bundle: Bundle): Map<string, TypeDecl> {
  let index = declIndexes.get(bundle);
  if (index === undefined) {
    index = new Map();
    for (const m of bundle.modules) for (const t of m.types) if (!index.has(`${m.name}.${t.name}`)) index.set(`${m.name}.${t.name}`, t);
    declIndexes.set(bundle, index);
  }
  return index;
}

export function declPyName(d: TypeDecl): string {
  return pyName(d.name, 'type', d.annotations);
}

export function pyFields(d: StructDecl | ErrorDecl): PyField[] {
  const kind = d.kind === 'error' ? 'errorField' : 'field';
  const names = uniqueNames(d.fields.map((f) => pyName(f.name, kind, f.annotations)));
  return sortedById(d.fields).map((f) => ({ field: f, py: names[d.fields.indexOf(f)]! }));
}

export function paramFields(params: Field[]): PyField[] {
  const names = uniqueNames(params.map((f) => pyName(f.name, 'param', f.annotations)));
  return params.map((f, i) => ({ field: f, py: names[i]! }));
}

export function sortedById(fields: Field[]): Field[] {
  return [...fields].sort((a, b) => a.id - b.id);
}

/** The class of one union case: `Shape` + `Circle` → `ShapeCircle`. */
export function caseClassName(u: UnionDecl, c: UnionCase): string {
  return c.annotations.names?.['python'] ?? `${declPyName(u)}${pascalCase(c.name)}`;
}

export function enumMembers(e: EnumDecl): Array<{ py: string; value: number }> {
  const names = uniqueNames(e.members.map((m) => pyName(m.name, 'enumMember', m.annotations)));
  return e.members.map((m, i) => ({ py: names[i]!, value: m.value }));
}

/** A Python string literal (JSON string syntax is valid Python for every string). */
export function pyStr(s: string): string {
  return JSON.stringify(s);
}
