// Walks every module's declarations, runs the per-declaration rules and builds the IR modules
// (without fingerprints and compatibility tables: ./fingerprint.ts and ../compat/describe.ts add
// them once every module is built). The IR is only handed out when the whole bundle is free of
// errors, so a declaration with an error may be built partially or skipped here.

import type {
  Annotations,
  ConstDecl,
  EventDecl,
  Field,
  FunctionDecl,
  Module,
  Span,
  TypeDecl,
  TypeRef,
  UnionCase,
} from '../ir/types.js';
import type { Annotation, Decl, FieldNode, FunctionNode, StructNode, UnionNode } from './ast.js';
import { buildAnnotations } from './annotations.js';
import { ValueGraph, reportInfiniteTypes } from './cycles.js';
import { checkEnum, checkNumbered, checkUnionNotEmpty, reservedToIr } from './members.js';
import type { Reporter } from './report.js';
import { fieldTypeExpr, TypeResolver } from './resolve-types.js';
import { declKindWord, isScalarName, type ModuleScope, type Program } from './scopes.js';
import { enumMemberValue, ValueChecker } from './values.js';

export function buildModules(program: Program, reporter: Reporter): Module[] {
  const types = new TypeResolver(reporter);
  const values = new ValueChecker(types, reporter);
  const graph = new ValueGraph();
  const modules = program.modules.map((scope) => new ModuleBuilder(scope, types, values, graph, reporter).build());
  reportInfiniteTypes(graph, reporter);
  return modules;
}

class ModuleBuilder {
  constructor(
    private readonly scope: ModuleScope,
    private readonly types: TypeResolver,
    private readonly values: ValueChecker,
    private readonly graph: ValueGraph,
    private readonly reporter: Reporter,
  ) {}

  build(): Module {
    const { scope } = this;
    const header = scope.header;
    const module: Module = {
      name: scope.name,
      version: header.version.value,
      ...documented(header, this.reporter),
      file: scope.file.path,
      fingerprint: '',
      imports: scope.imported.map((m) => m.name),
      depends: unique(scope.file.ast.depends.map((d) => d.module.parts.map((p) => p.text).join('.'))),
      types: [],
      consts: [],
      functions: [],
      events: [],
      compat: { functions: {}, events: {}, types: {} },
    };
    for (const decl of scope.file.ast.decls) {
      if (scope.decls.get(decl.name.text) !== decl) {
        // A duplicate name (reported): check its insides anyway, but keep it out of the IR and
        // out of the by-value graph (its graph key would be the first declaration's).
        const aside = new ModuleBuilder(scope, this.types, this.values, new ValueGraph(), this.reporter);
        aside.declaration(decl, { ...module, types: [], consts: [], functions: [], events: [] });
      } else {
        this.declaration(decl, module);
      }
    }
    return module;
  }

  declaration(decl: Decl, module: Module): void {
    switch (decl.kind) {
      case 'struct':
      case 'error':
        module.types.push(this.struct(decl));
        return;
      case 'enum': {
        checkEnum(decl, this.reporter);
        module.types.push({
          kind: 'enum',
          name: decl.name.text,
          ...documented(decl, this.reporter),
          members: decl.members.map((m) => ({
            name: m.name.text,
            value: enumMemberValue(m) ?? 0,
            ...documented(m, this.reporter),
          })),
          reserved: reservedToIr(decl.reserved),
        });
        return;
      }
      case 'union':
        module.types.push(this.union(decl));
        return;
      case 'alias': {
        const type = this.types.aliasType(this.scope, decl);
        const docs = documented(decl, this.reporter);
        if (type) module.types.push({ kind: 'alias', name: decl.name.text, ...docs, type });
        return;
      }
      case 'const': {
        const c = this.values.constant(this.scope, decl);
        const docs = documented(decl, this.reporter);
        if (c) module.consts.push({ name: decl.name.text, ...docs, type: c.type, value: c.value } satisfies ConstDecl);
        return;
      }
      case 'function':
        module.functions.push(this.function(decl));
        return;
      case 'event': {
        const ev: EventDecl = { name: decl.name.text, ...documented(decl, this.reporter) };
        if (decl.payload) {
          const payload = this.types.resolve(this.scope, decl.payload);
          if (payload) ev.payload = payload;
        }
        module.events.push(ev);
        return;
      }
    }
  }

  private struct(decl: StructNode): TypeDecl {
    const owner = `${decl.kind === 'error' ? 'error' : 'struct'} '${decl.name.text}'`;
    checkNumbered(decl.fields, decl.reserved, 'field', owner, this.reporter);
    const key = this.addNode(decl.name.text, 'struct', decl.name.span);
    const fields = decl.fields.map((f) => this.field(f, key));
    return {
      kind: decl.kind,
      name: decl.name.text,
      ...documented(decl, this.reporter),
      fields,
      reserved: reservedToIr(decl.reserved),
    };
  }

  private union(decl: UnionNode): TypeDecl {
    checkNumbered(decl.cases, decl.reserved, 'case', `union '${decl.name.text}'`, this.reporter);
    checkUnionNotEmpty(decl.name, decl.cases.length, this.reporter);
    const key = this.addNode(decl.name.text, 'union', decl.name.span);
    const cases = decl.cases.map((c): UnionCase => {
      const uc: UnionCase = { id: c.id.value ?? 0, name: c.name.text, ...documented(c, this.reporter) };
      if (c.type) {
        const t = this.types.resolve(this.scope, c.type);
        if (t) {
          uc.type = t;
          this.addEdge(key, t, c.name.text, c.span);
        }
      }
      return uc;
    });
    return {
      kind: 'union',
      name: decl.name.text,
      ...documented(decl, this.reporter),
      cases,
      reserved: reservedToIr(decl.reserved),
    };
  }

  /** A struct field or a parameter; `owner` is the graph key of a struct, when there is one. */
  private field(f: FieldNode, owner?: string): Field {
    const type = this.types.resolve(this.scope, fieldTypeExpr(f));
    const field: Field = {
      id: f.id.value ?? 0,
      name: f.name.text,
      ...documented(f, this.reporter),
      type: type ?? { kind: 'scalar', name: 'bool' },
    };
    if (type && owner) this.addEdge(owner, type, f.name.text, f.span);
    if (f.default && type) {
      const value = this.values.check(this.scope, f.default, type);
      if (value) field.default = value;
    }
    return field;
  }

  private function(decl: FunctionNode): FunctionDecl {
    checkNumbered(decl.params, [], 'parameter', `function '${decl.name.text}'`, this.reporter);
    const streamParam = this.checkStreamParams(decl);
    const params = decl.params.filter((p) => p.type.kind !== 'stream').map((p) => this.field(p));
    const isStream = !decl.oneway && (streamParam !== undefined || decl.result?.kind === 'stream');
    const fn: FunctionDecl = {
      name: decl.name.text,
      kind: decl.oneway ? 'oneway' : isStream ? 'stream' : 'call',
      ...documented(decl, this.reporter),
      params,
      throws: [],
    };
    if (streamParam && streamParam.type.kind === 'stream') {
      const item = this.types.resolveStream(this.scope, streamParam.type);
      fn.input = {
        id: streamParam.id.value ?? 0,
        name: streamParam.name.text,
        ...documented(streamParam, this.reporter),
        type: item ?? { kind: 'scalar', name: 'bool' }, // with an error reported: the IR is not handed out
      };
    }
    if (decl.result) {
      if (decl.oneway) {
        this.reporter.error(
          'E0501',
          decl.result.span,
          `oneway function '${decl.name.text}' cannot have a result`,
          'a oneway call gets no reply; remove `oneway` or the result',
        );
      }
      if (decl.result.kind === 'stream') {
        const output = this.types.resolveStream(this.scope, decl.result);
        if (output) fn.output = output;
      } else {
        const result = this.types.resolve(this.scope, decl.result);
        if (result) fn.result = result;
      }
    }
    if (decl.oneway && decl.throws.length > 0) {
      this.reporter.error(
        'E0502',
        joinSpans(decl.throws[0]!.span, decl.throws[decl.throws.length - 1]!.span),
        `oneway function '${decl.name.text}' cannot throw`,
        'a oneway call gets no reply, so its errors cannot reach the caller; remove `oneway` or `throws`',
      );
    }
    const seen = new Map<string, Span>();
    for (const t of decl.throws) {
      const written = t.parts.map((p) => p.text).join('.');
      if (t.parts.length === 1 && isScalarName(written)) {
        this.reporter.error(
          'E0503',
          t.span,
          `'${written}' is a scalar type, not an error type`,
          'only types declared with `error` can be thrown',
        );
        continue;
      }
      const found = this.types.resolveDecl(this.scope, t, 'error type');
      if (!found) continue;
      if (found.decl.kind !== 'error') {
        this.reporter.error(
          'E0503',
          t.span,
          `'${written}' is ${declKindWord(found.decl)}, not an error type`,
          found.decl.kind === 'struct'
            ? `declare it with \`error ${found.decl.name.text} { … }\` to throw it`
            : 'only types declared with `error` can be thrown',
          [{ message: 'declared here', span: found.decl.name.span }],
        );
        continue;
      }
      const key = `${found.module.name}.${found.decl.name.text}`;
      const first = seen.get(key);
      if (first) {
        this.reporter.error('E0504', t.span, `'${written}' is listed twice in throws`, 'remove one of them', [
          { message: 'first listed here', span: first },
        ]);
        continue;
      }
      seen.set(key, t.span);
      fn.throws.push({ kind: 'ref', module: found.module.name, name: found.decl.name.text, declKind: 'error' });
    }
    return fn;
  }

  /**
   * The rules for a stream parameter (docs/idl.md "Streams"): at most one, the last, neither
   * optional nor defaulted (E0506), and none in a oneway function (E0507). Returns the parameter
   * that stands as the function's input stream, if any.
   */
  private checkStreamParams(decl: FunctionNode): FieldNode | undefined {
    const streams = decl.params.filter((p) => p.type.kind === 'stream');
    const fnName = decl.name.text;
    if (streams.length === 0) return undefined;
    const first = streams[0]!;
    for (const extra of streams.slice(1)) {
      if (extra.type.kind === 'stream') this.types.resolveStream(this.scope, extra.type); // its own diagnostics
      this.reporter.error(
        'E0506',
        extra.span,
        `function '${fnName}' has more than one stream parameter`,
        'a function takes at most one stream; to send items of several kinds, stream a union of them',
        [{ message: 'first stream parameter', span: first.span }],
      );
    }
    const last = decl.params[decl.params.length - 1]!;
    if (streams.length === 1 && first !== last) {
      this.reporter.error(
        'E0506',
        first.span,
        `stream parameter '${first.name.text}' must be the last parameter of '${fnName}'`,
        `move it after '${last.name.text}': the other parameters are sent once, when the stream opens`,
      );
    }
    if (first.optionalMark) {
      this.reporter.error(
        'E0506',
        first.span,
        `stream parameter '${first.name.text}' cannot be optional`,
        'a caller with nothing to send sends an empty stream; remove the `?`',
      );
    }
    if (first.default) {
      this.reporter.error(
        'E0506',
        first.default.span,
        `stream parameter '${first.name.text}' cannot have a default`,
        'a caller with nothing to send sends an empty stream; remove the default',
      );
    }
    if (decl.oneway) {
      this.reporter.error(
        'E0507',
        first.type.span,
        `oneway function '${fnName}' cannot take a stream`,
        'a stream needs flow control and an end from the callee, which a oneway call never answers; remove `oneway`',
      );
    }
    return first;
  }

  private addNode(name: string, word: 'struct' | 'union', nameSpan: Span): string {
    const key = `${this.scope.name}.${name}`;
    if (!this.graph.nodes.has(key)) this.graph.addNode(key, { label: name, word, nameSpan });
    return key;
  }

  private addEdge(from: string, t: TypeRef, via: string, span: Span): void {
    if (t.kind === 'ref' && (t.declKind === 'struct' || t.declKind === 'union')) {
      this.graph.addEdge(from, { to: `${t.module}.${t.name}`, via, span });
    }
  }
}

interface DocumentedNode {
  doc?: string;
  annotations: Annotation[];
  span: Span;
}

function documented(node: DocumentedNode, reporter: Reporter): { doc?: string; annotations: Annotations; span: Span } {
  const annotations = buildAnnotations(node.annotations, reporter);
  return node.doc !== undefined ? { doc: node.doc, annotations, span: node.span } : { annotations, span: node.span };
}

function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
