// Module scopes: which module each file declares, what each declares at top level (one namespace
// for types, constants, functions and events), and which qualifiers its imports bring into scope
// (the last segment of the imported module's name, or the `as` alias). Lookups of dotted names.

import { SCALAR_NAMES, type ScalarName, type Span } from '../ir/types.js';
import type { Decl, ModuleHeader } from './ast.js';
import type { LoadedFile, LoadResult } from './loader.js';
import type { Reporter } from './report.js';

export interface ModuleScope {
  name: string;
  file: LoadedFile;
  header: ModuleHeader;
  /** The first declaration of each top-level name. */
  decls: Map<string, Decl>;
  /** Qualifier (last segment of the module name, or the `as` alias) → imported module. */
  qualifiers: Map<string, ModuleScope>;
  /** Directly imported modules, in import order, without duplicates. */
  imported: ModuleScope[];
  /**
   * Some import could not be loaded (reported as E0205): its qualifier is unknown, so unknown
   * qualifiers in this module are not reported again.
   */
  hasMissingImports: boolean;
}

export interface Program {
  /** Topological order: every module after the modules it imports. */
  modules: ModuleScope[];
  /** Root modules: those declared by the entry files. */
  roots: ModuleScope[];
}

export type Lookup =
  | { ok: true; module: ModuleScope; decl: Decl }
  | { ok: false; reason: 'unknown-qualifier'; qualifier: string }
  | { ok: false; reason: 'unknown-name'; module: ModuleScope; name: string };

const SCALARS: ReadonlySet<string> = new Set(SCALAR_NAMES);

export function isScalarName(name: string): name is ScalarName {
  return SCALARS.has(name);
}

export const TYPE_DECL_KINDS: ReadonlySet<Decl['kind']> = new Set(['struct', 'error', 'enum', 'union', 'alias']);

export function buildScopes(loaded: LoadResult, reporter: Reporter): Program {
  const byFile = new Map<LoadedFile, ModuleScope>();
  const byName = new Map<string, ModuleScope>();
  const modules: ModuleScope[] = [];

  for (const file of loaded.files) {
    const header = file.ast.module;
    if (!header) continue; // the parser has reported it
    const name = header.name.parts.map((p) => p.text).join('.');
    const scope: ModuleScope = {
      name,
      file,
      header,
      decls: new Map(),
      qualifiers: new Map(),
      imported: [],
      hasMissingImports: file.imports.some((f) => f === undefined),
    };
    const first = byName.get(name);
    if (first) {
      reporter.error(
        'E0207',
        header.name.span,
        `module '${name}' is declared twice in this bundle`,
        'every file must declare its own module name',
        [{ message: `first declared in ${first.file.path}`, span: first.header.name.span }],
      );
    } else {
      byName.set(name, scope);
    }
    byFile.set(file, scope);
    modules.push(scope);
    declareAll(scope, reporter);
  }

  for (const scope of modules) {
    const seen = new Map<string, { module: ModuleScope; span: Span }>();
    scope.file.ast.imports.forEach((imp, i) => {
      const target = scope.file.imports[i];
      const targetScope = target ? byFile.get(target) : undefined;
      if (!targetScope) return; // missing file or no module header: reported already
      const qualifier = imp.alias?.text ?? targetScope.name.split('.').pop()!;
      const prev =
        [...seen.values()].find((s) => s.module === targetScope) ?? seen.get(qualifier);
      if (prev) {
        const sameModule = prev.module === targetScope;
        reporter.error(
          'E0208',
          imp.span,
          sameModule
            ? `module '${targetScope.name}' is imported twice`
            : `qualifier '${qualifier}' already names module '${prev.module.name}'`,
          sameModule ? 'remove this import' : `give this import another qualifier: import "${imp.path.value}" as other;`,
          [{ message: 'first imported here', span: prev.span }],
        );
        return;
      }
      seen.set(qualifier, { module: targetScope, span: imp.span });
      scope.qualifiers.set(qualifier, targetScope);
      if (!scope.imported.includes(targetScope)) scope.imported.push(targetScope);
    });
  }

  const roots: ModuleScope[] = [];
  for (const e of loaded.entries) {
    const s = byFile.get(e);
    if (s && !roots.includes(s)) roots.push(s);
  }
  return { modules, roots };
}

function declareAll(scope: ModuleScope, reporter: Reporter): void {
  for (const decl of scope.file.ast.decls) {
    const name = decl.name.text;
    if (TYPE_DECL_KINDS.has(decl.kind) && isScalarName(name)) {
      reporter.error(
        'E0210',
        decl.name.span,
        `cannot declare a type named '${name}': it is a built-in scalar type`,
        `rename it, e.g. '${name[0]!.toUpperCase()}${name.slice(1)}Value'`,
      );
    }
    const first = scope.decls.get(name);
    if (first) {
      reporter.error(
        'E0202',
        decl.name.span,
        `'${name}' is declared twice in module '${scope.name}'`,
        'types, constants, functions and events of a module share one namespace; rename one of them',
        [{ message: `first declared here (${declKindWord(first)})`, span: first.name.span }],
      );
      continue;
    }
    scope.decls.set(name, decl);
  }
}

/** Looks up a possibly dotted name: `Name`, `qualifier.Name` or `full.module.Name`. */
export function lookup(scope: ModuleScope, parts: string[]): Lookup {
  const name = parts[parts.length - 1]!;
  let module: ModuleScope | undefined = scope;
  if (parts.length > 1) {
    const prefix = parts.slice(0, -1).join('.');
    module =
      scope.qualifiers.get(prefix) ??
      (prefix === scope.name ? scope : scope.imported.find((m) => m.name === prefix));
    if (!module) return { ok: false, reason: 'unknown-qualifier', qualifier: prefix };
  }
  const decl = module.decls.get(name);
  return decl ? { ok: true, module, decl } : { ok: false, reason: 'unknown-name', module, name };
}

export function declKindWord(decl: Decl): string {
  switch (decl.kind) {
    case 'struct':
      return 'a struct';
    case 'error':
      return 'an error type';
    case 'enum':
      return 'an enum';
    case 'union':
      return 'a union';
    case 'alias':
      return 'a type alias';
    case 'const':
      return 'a constant';
    case 'function':
      return 'a function';
    case 'event':
      return 'an event';
  }
}

/** Qualifiers in scope, for hints. */
export function qualifierList(scope: ModuleScope): string[] {
  return [...scope.qualifiers.keys()].sort();
}
