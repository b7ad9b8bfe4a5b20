// Turns type expressions into IR TypeRefs: resolves names through the module scopes, expands
// aliases (recording the alias used), and checks what a type expression may be: map keys
// (E0401), error types used as data (E0407), misplaced streams (E0408), optional<optional<T>> (E0412),
// alias cycles (E0410). Unknown names are E0201, unknown qualifiers E0204, non-types E0211.

import type { Span, TypeRef } from '../ir/types.js';
import { SCALAR_NAMES } from '../ir/types.js';
import type { AliasNode, Decl, FieldNode, NameRef, TypeExpr } from './ast.js';
import { closest, orList, type Reporter } from './report.js';
import {
  declKindWord,
  isScalarName,
  lookup,
  qualifierList,
  TYPE_DECL_KINDS,
  type ModuleScope,
} from './scopes.js';

const INTEGER_SCALARS: ReadonlySet<string> = new Set(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64']);

/** The type expression a field declares, with the `name?: T` sugar applied. */
export function fieldTypeExpr(field: Pick<FieldNode, 'optionalMark' | 'type'>): TypeExpr {
  return field.optionalMark ? { kind: 'optional', inner: field.type, span: field.type.span } : field.type;
}

export class TypeResolver {
  private readonly aliases = new Map<AliasNode, TypeRef | null>();
  private readonly aliasesInProgress = new Set<AliasNode>();

  constructor(private readonly reporter: Reporter) {}

  /** A data type: `stream<…>` is not one (a function's result and last parameter go through resolveStream). */
  resolve(scope: ModuleScope, expr: TypeExpr): TypeRef | undefined {
    switch (expr.kind) {
      case 'named':
        return this.resolveNamed(scope, expr.name);
      case 'list': {
        const element = this.resolve(scope, expr.element);
        return element && { kind: 'list', element };
      }
      case 'map': {
        const key = this.resolve(scope, expr.key);
        const value = this.resolve(scope, expr.value);
        if (key && !isValidMapKey(key)) {
          this.reporter.error(
            'E0401',
            expr.key.span,
            `'${displayType(key, scope.name)}' cannot be a map key`,
            'map keys must be an integer type (i8..u64), string, or an enum (or an alias of one)',
          );
          return undefined;
        }
        return key && value && { kind: 'map', key, value };
      }
      case 'optional': {
        const inner = this.resolve(scope, expr.inner);
        if (inner?.kind === 'optional') {
          this.reporter.error(
            'E0412',
            expr.span,
            `optional<optional<…>> is not allowed: '${displayType({ kind: 'optional', inner }, scope.name)}'`,
            'an absent value and a present-but-absent value cannot be told apart on the wire; use a union',
          );
          return undefined;
        }
        return inner && { kind: 'optional', inner };
      }
      case 'stream': {
        this.resolve(scope, expr.element); // for its own diagnostics
        this.reporter.error(
          'E0408',
          expr.span,
          "stream<…> can only be a function's result or its last parameter",
          'use list<T> for a sequence of values in a field, payload or other type',
        );
        return undefined;
      }
    }
  }

  /** The item type of `stream<T>` where a stream may be (a function's result or last parameter). */
  resolveStream(scope: ModuleScope, expr: Extract<TypeExpr, { kind: 'stream' }>): TypeRef | undefined {
    return this.resolve(scope, expr.element);
  }

  /** Resolves and expands an alias declaration once; later calls return the cached expansion. */
  aliasType(scope: ModuleScope, node: AliasNode): TypeRef | undefined {
    const cached = this.aliases.get(node);
    if (cached !== undefined) return cached ?? undefined;
    if (this.aliasesInProgress.has(node)) {
      this.reporter.error(
        'E0410',
        node.name.span,
        `type alias '${node.name.text}' refers to itself`,
        'an alias is expanded where it is used, so it cannot be recursive; declare a struct or union instead',
      );
      this.aliases.set(node, null);
      return undefined;
    }
    this.aliasesInProgress.add(node);
    const t = this.resolve(scope, node.type);
    this.aliasesInProgress.delete(node);
    if (!this.aliases.has(node)) this.aliases.set(node, t ?? null);
    return this.aliases.get(node) ?? undefined;
  }

  /**
   * Resolves a name to a declaration of one of `kinds`, reporting unknown names and qualifiers.
   * Returns the declaration found even when its kind is wrong (the caller reports that).
   */
  resolveDecl(
    scope: ModuleScope,
    name: NameRef,
    what: 'type' | 'error type',
  ): { module: ModuleScope; decl: Decl } | undefined {
    const parts = name.parts.map((p) => p.text);
    if (parts.length === 0) return undefined; // a placeholder left by syntax error recovery
    const found = lookup(scope, parts);
    if (found.ok) return found;
    const written = parts.join('.');
    if (found.reason === 'unknown-qualifier') {
      if (scope.hasMissingImports) return undefined; // probably the missing import's qualifier
      const qs = qualifierList(scope);
      this.reporter.error(
        'E0204',
        spanOfParts(name, parts.length - 1),
        `unknown module qualifier '${found.qualifier}' in '${written}'`,
        qs.length === 0
          ? 'this module imports nothing; import the file that declares that module first'
          : `qualifiers in scope: ${orList(qs)}; import the module's file, or use its \`as\` name`,
      );
      return undefined;
    }
    const candidates = [...found.module.decls.values()]
      .filter((d) => (what === 'type' ? TYPE_DECL_KINDS.has(d.kind) && d.kind !== 'error' : d.kind === 'error'))
      .map((d) => d.name.text);
    if (what === 'type' && found.module === scope) candidates.push(...SCALAR_NAMES);
    const guess = closest(found.name, candidates);
    const where = found.module === scope ? '' : ` in module '${found.module.name}'`;
    this.reporter.error(
      'E0201',
      name.span,
      `unknown ${what} '${found.name}'${where}`,
      guess !== undefined ? `did you mean '${guess}'?` : undefined,
    );
    return undefined;
  }

  private resolveNamed(scope: ModuleScope, name: NameRef): TypeRef | undefined {
    const single = name.parts.length === 1 ? name.parts[0]!.text : undefined;
    if (single !== undefined && isScalarName(single)) return { kind: 'scalar', name: single };
    const found = this.resolveDecl(scope, name, 'type');
    if (!found) return undefined;
    const { module, decl } = found;
    switch (decl.kind) {
      case 'struct':
      case 'enum':
      case 'union':
        return { kind: 'ref', module: module.name, name: decl.name.text, declKind: decl.kind };
      case 'error':
        this.reporter.error(
          'E0407',
          name.span,
          `error type '${decl.name.text}' cannot be used as a data type`,
          'error types may only appear in `throws`; declare a struct with the same fields to carry it as data',
          [{ message: 'declared as an error here', span: decl.name.span }],
        );
        return undefined;
      case 'alias': {
        const t = this.aliasType(module, decl);
        return t && { ...t, alias: { module: module.name, name: decl.name.text } };
      }
      default:
        this.reporter.error(
          'E0211',
          name.span,
          `'${name.parts.map((p) => p.text).join('.')}' is ${declKindWord(decl)}, not a type`,
          undefined,
          [{ message: 'declared here', span: decl.name.span }],
        );
        return undefined;
    }
  }
}

export function isValidMapKey(t: TypeRef): boolean {
  if (t.kind === 'scalar') return t.name === 'string' || INTEGER_SCALARS.has(t.name);
  return t.kind === 'ref' && t.declKind === 'enum';
}

export function isIntegerScalar(name: string): boolean {
  return INTEGER_SCALARS.has(name);
}

/** A type as a user reads it in a message: refs from the current module unqualified. */
export function displayType(t: TypeRef, currentModule: string): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'list':
      return `list<${displayType(t.element, currentModule)}>`;
    case 'map':
      return `map<${displayType(t.key, currentModule)}, ${displayType(t.value, currentModule)}>`;
    case 'optional':
      return `optional<${displayType(t.inner, currentModule)}>`;
    case 'ref':
      return t.module === currentModule ? t.name : `${t.module}.${t.name}`;
  }
}

/** The span of the first `count` parts of a dotted name (e.g. its qualifier). */
function spanOfParts(name: NameRef, count: number): Span {
  const first = name.parts[0]!.span;
  const last = name.parts[Math.max(0, count - 1)]!.span;
  return { file: first.file, line: first.line, col: first.col, endLine: last.endLine, endCol: last.endCol };
}
