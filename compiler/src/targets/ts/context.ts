// What every emitter of one module's file needs: the IR, the names, and lazily tracked imports
// (a module is imported only when something in the file refers to it).

import type { Bundle, Module, TypeDecl, TypeRef } from '../../ir/types.js';
import type { ModuleNames } from './model.js';
import { tsString } from './code-writer.js';

/** The namespace generated code imports the runtime under; `$` keeps it clear of IDL names. */
export const RT = '$rt';

export class GenContext {
  readonly names: ModuleNames;
  private readonly usedImports = new Set<string>();
  /** IDL field and case names whose `"name":` bytes the JSON codec writes. */
  private readonly jsonKeys = new Set<string>();
  /** Every declared type of the bundle, by module name then declaration name. */
  private readonly decls: Map<string, Map<string, TypeDecl>>;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
    readonly allNames: Map<string, ModuleNames>,
    /** The source file name shown in the header (and in the embedded IR). */
    readonly sourceName: string = module.file,
  ) {
    this.names = allNames.get(module.name)!;
    this.decls = declIndex(bundle);
  }

  decl(moduleName: string, name: string): TypeDecl {
    const d = this.decls.get(moduleName)?.get(name);
    if (d === undefined) throw new Error(`ts target: ${moduleName}.${name} is not in the bundle`);
    return d;
  }

  /** The name of a declared type as seen from this file (`Point` or `common.Point`). */
  typeName(moduleName: string, name: string): string {
    const local = this.allNames.get(moduleName)?.types.get(name);
    if (local === undefined) throw new Error(`ts target: no name for ${moduleName}.${name}`);
    return this.qualify(moduleName, local);
  }

  /** A symbol of another module's file, prefixed with its namespace and marked as used. */
  qualify(moduleName: string, symbol: string): string {
    if (moduleName === this.module.name) return symbol;
    this.usedImports.add(moduleName);
    return `${this.names.imports.get(moduleName)!}.${symbol}`;
  }

  /** The codec object of a declared type (`Point$codec` or `common.Point$codec`). */
  codecOf(moduleName: string, name: string): string {
    return this.typeName(moduleName, name) + '$codec';
  }

  /** The TypeScript type of an IR type. Aliases print as the alias the source used. */
  tsType(t: TypeRef): string {
    if (t.alias !== undefined && this.hasAlias(t.alias.module, t.alias.name))
      return this.typeName(t.alias.module, t.alias.name);
    switch (t.kind) {
      case 'scalar':
        return SCALAR_TS[t.name];
      case 'list': {
        const inner = this.tsType(t.element);
        return /[|&]/.test(inner) ? `Array<${inner}>` : `${inner}[]`;
      }
      case 'map':
        return `Map<${this.tsType(t.key)}, ${this.tsType(t.value)}>`;
      case 'optional':
        return `${this.tsType(t.inner)} | undefined`;
      case 'ref':
        return this.typeName(t.module, t.name);
    }
  }

  private hasAlias(moduleName: string, name: string): boolean {
    return this.decls.get(moduleName)?.get(name)?.kind === 'alias';
  }

  /** The constant holding the precomputed JSON key `"name":` (declared once per file). */
  jsonKey(idlName: string): string {
    this.jsonKeys.add(idlName);
    return `k$${idlName}`;
  }

  jsonKeyLines(): string[] {
    return [...this.jsonKeys].sort().map((k) => `const k$${k} = ${RT}.jsonKey(${tsString(k)});`);
  }

  /** Import lines for the other modules this file used, sorted for stable output. */
  importLines(): string[] {
    return [...this.usedImports]
      .sort()
      .map(
        (m) =>
          `import * as ${this.names.imports.get(m)!} from './${this.allNames.get(m)!.file.replace(/\.ts$/, '.js')}';`,
      );
  }
}

const declIndexes = new WeakMap<Bundle, Map<string, Map<string, TypeDecl>>>();

/** Built once per bundle (not per module file): lookups by name stay constant-time at any size. */
function declIndex(bundle: Bundle): Map<string, Map<string, TypeDecl>> {
  let index = declIndexes.get(bundle);
  if (index === undefined) {
    index = new Map(bundle.modules.map((m) => [m.name, new Map(m.types.map((t) => [t.name, t]))]));
    declIndexes.set(bundle, index);
  }
  return index;
}

export const SCALAR_TS = {
  bool: 'boolean',
  i8: 'number',
  i16: 'number',
  i32: 'number',
  i64: 'bigint',
  u8: 'number',
  u16: 'number',
  u32: 'number',
  u64: 'bigint',
  f32: 'number',
  f64: 'number',
  string: 'string',
  bytes: 'Uint8Array',
} as const;
