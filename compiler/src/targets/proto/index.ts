// The protobuf schema target: `interopc gen --lang proto --out DIR FILES` writes one proto3 file per
// IDL module (`example.chat` → DIR/example/chat.proto, package example.chat) that describes the
// bytes of the `protobuf` codec, so any protobuf tool reads what interop nodes send. The mapping of
// every IDL type: docs/types.md "Protocol Buffers"; why it is so: ADR 0028. The output depends on
// the IR only (same schema, same bytes), and what proto3 cannot express is a compile error.

import type { Bundle, EnumDecl, Field, FunctionDecl, Module, Reserved, Span, TypeRef, UnionDecl } from '../../ir/types.js';
import { pascalCase, snakeCase } from '../common/case.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { constText, TopLevelNames } from '../common/schema-names.js';
import { registerTarget } from '../registry.js';
import { TargetError, type GeneratedFile, type Target, type TargetOptions, type TargetProblem } from '../target.js';
import { ProtoTypes } from './fields.js';

export function protoPath(moduleName: string): string {
  return `${moduleName.split('.').join('/')}.proto`;
}

function comment(lines: string[], doc: string | undefined, indent = ''): void {
  if (doc) for (const l of doc.split('\n')) lines.push(`${indent}//${l === '' ? '' : ` ${l}`}`);
}

function reserved(lines: string[], r: Reserved, quoteName: (n: string) => string = (n) => n): void {
  if (r.ids.length > 0) {
    const ranges = r.ids.map((x) => (x.from === x.to ? `${x.from}` : `${x.from} to ${x.to}`));
    lines.push(`  reserved ${ranges.join(', ')};`);
  }
  if (r.names.length > 0) lines.push(`  reserved ${r.names.map((n) => JSON.stringify(quoteName(n))).join(', ')};`);
}

/** A list or map field's default other than empty: proto3 cannot tell an empty list from none. */
function emptyDefaultProblem(f: Field, owner: string): TargetProblem | undefined {
  const d = f.default;
  if (!d || (f.type.kind !== 'list' && f.type.kind !== 'map')) return undefined;
  const empty = (d.kind === 'list' && d.items.length === 0) || (d.kind === 'map' && d.entries.length === 0);
  if (empty) return undefined;
  return {
    code: 'E0701',
    message: `field '${f.name}' of ${owner} has a non-empty default, which protobuf cannot express`,
    span: f.span,
    hint: 'protobuf writes an empty list or map as nothing, so a reader could not tell it from a missing field that takes the default; drop the default or make the field optional',
  };
}

class ModuleFile {
  readonly lines: string[] = [];
  readonly problems: TargetProblem[];
  readonly types: ProtoTypes;
  private readonly names: TopLevelNames;
  private unitNeeded: Span | undefined;

  constructor(readonly module: Module) {
    this.names = new TopLevelNames('protobuf', module);
    this.problems = this.names.problems;
    this.types = new ProtoTypes(module, this.names);
  }

  message(name: string, doc: string | undefined, fields: Field[], r: Reserved | undefined, owner: string): void {
    const body: string[] = [];
    for (const f of [...fields].sort((a, b) => a.id - b.id)) {
      const problem = emptyDefaultProblem(f, owner);
      if (problem) this.problems.push(problem);
      comment(body, f.doc, '  ');
      const def = f.default && f.default.kind !== 'none' ? ` // default: ${constText(f.default)}` : '';
      body.push(`  ${this.types.field(f.type, f.name, f.id, f.span)}${def}`);
    }
    if (r) reserved(body, r);
    this.lines.push('');
    comment(this.lines, doc);
    this.lines.push(`message ${name} {`, ...body, '}');
  }

  enumeration(e: EnumDecl): void {
    // Value names are scoped to the package in protobuf (as in C++), hence the enum's prefix;
    // proto3 wants the zero value first, and one at all: `<PREFIX>_UNSET` when the IDL has none.
    const prefix = `${snakeCase(e.name).toUpperCase()}_`;
    const members = [...e.members].sort((a, b) => (a.value === 0 ? -1 : b.value === 0 ? 1 : 0));
    const body: string[] = [];
    if (!members.some((m) => m.value === 0)) {
      if (e.members.some((m) => m.name === 'UNSET')) {
        this.problems.push({ code: 'E0702', message: `protobuf needs a zero value in enum ${e.name}, named ${prefix}UNSET, which its member UNSET would also take`, span: e.span, hint: 'give a member the value 0, or rename UNSET' });
      }
      body.push(`  ${prefix}UNSET = 0; // not an IDL member: proto3 wants a zero value`);
    }
    for (const m of members) {
      comment(body, m.doc, '  ');
      body.push(`  ${prefix}${m.name} = ${m.value};`);
    }
    reserved(body, e.reserved, (n) => `${prefix}${n}`);
    this.lines.push('');
    comment(this.lines, e.doc);
    this.lines.push(`enum ${e.name} {`, ...body, '}');
  }

  union(u: UnionDecl): void {
    const oneof = u.cases.some((c) => c.name === 'value') ? 'value_' : 'value';
    const body: string[] = [`  oneof ${oneof} {`];
    for (const c of [...u.cases].sort((a, b) => a.id - b.id)) {
      comment(body, c.doc, '    ');
      if (c.type) body.push(`    ${this.types.oneofMember(c.type, c.name, c.id, c.span)}`);
      else {
        this.unitNeeded ??= c.span;
        body.push(`    .${this.module.name}.Unit ${c.name} = ${c.id};`);
      }
    }
    body.push('  }');
    reserved(body, u.reserved);
    this.lines.push('');
    comment(this.lines, u.doc);
    this.lines.push(`message ${u.name} {`, ...body, '}');
  }

  /** A payload that is not a message travels in `<Name> { value = 1 }`; a message travels as itself. */
  payload(t: TypeRef | undefined, name: string, what: string, span: Span): void {
    if (!t || (t.kind === 'ref' && t.declKind !== 'enum')) return;
    if (!this.names.claim(name, what, span)) return;
    this.lines.push('', `// ${what.charAt(0).toUpperCase()}${what.slice(1)}.`, `message ${name} {`, `  ${this.types.field(t, 'value', 1, span)}`, '}');
  }

  fn(f: FunctionDecl): void {
    const base = pascalCase(f.name);
    const request = `${base}Request`;
    if (this.names.claim(request, `the parameters of function ${f.name}`, f.span)) {
      const throws = f.throws.map((t) => (t.kind === 'ref' ? `${t.module}.${t.name}` : '')).join(', ');
      const doc = [`The parameters of ${f.name} (the REQUEST payload).`, ...(throws ? [`Throws: ${throws}.`] : [])].join('\n');
      this.message(request, [f.doc, doc].filter(Boolean).join('\n'), f.params, undefined, `function ${f.name}`);
    }
    this.payload(f.result, `${base}Result`, `the result of function ${f.name}`, f.span);
    this.payload(f.input?.type, `${base}Input`, `an item of the input stream of function ${f.name}`, f.span);
    this.payload(f.output, `${base}Output`, `an item of the output stream of function ${f.name}`, f.span);
  }

  render(source: string): string {
    for (const d of this.module.types) {
      if (d.kind === 'struct' || d.kind === 'error') this.message(d.name, d.doc, d.fields, d.reserved, `${d.kind} ${d.name}`);
      else if (d.kind === 'enum') this.enumeration(d);
      else if (d.kind === 'union') this.union(d);
    }
    for (const f of this.module.functions) this.fn(f);
    for (const e of this.module.events) this.payload(e.payload, `${pascalCase(e.name)}Event`, `the payload of event ${e.name}`, e.span);
    if (this.unitNeeded && this.names.claim('Unit', 'the value of a unit union case', this.unitNeeded)) {
      this.lines.push('', '// The value of a union case without a type.', 'message Unit {}');
    }
    for (const w of this.types.wrappers) this.lines.push('', `message ${w.name} {`, `  ${w.field}`, '}');

    const head = [generatedHeader('//', source, this.module), '// Mapping: docs/types.md "Protocol Buffers". Bytes: the interop protobuf codec.', 'syntax = "proto3";', ''];
    comment(head, this.module.doc);
    head.push(`package ${this.module.name};`);
    const imports = [...this.types.imports].sort().map((m) => `import "${protoPath(m)}";`);
    if (imports.length > 0) head.push('', ...imports);
    return `${[...head, ...this.lines].join('\n')}\n`;
  }
}

/** The ERROR payload (docs/wire.md §4), one file for every module's errors: package `interop`. */
export const ENVELOPE_PATH = 'interop/error_envelope.proto';

function envelopeFile(): string {
  return `${[
    generatedHeader('//', 'the interop wire protocol (docs/wire.md section 4)'),
    '// The error envelope: the payload of an ERROR frame in the protobuf codec (docs/wire.md section 4).',
    'syntax = "proto3";',
    '',
    'package interop;',
    '',
    'message ErrorEnvelope {',
    '  // docs/wire.md section 4.1: 101 APPLICATION_ERROR for a declared error.',
    '  uint32 code = 1;',
    '  // For people.',
    '  string message = 2;',
    '  // The declared error\'s qualified name, e.g. example.chat.NotFound.',
    '  optional string type = 3;',
    '  // The declared error value: the bytes of the message `type` names.',
    '  optional bytes detail = 4;',
    '}',
  ].join('\n')}\n`;
}

export const protoTarget: Target = {
  id: 'proto',
  displayName: 'Protocol Buffers (proto3 schema)',
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] {
    const files: GeneratedFile[] = [];
    const problems: TargetProblem[] = [];
    // Every module reached, imports included: protoc needs the files a file imports.
    for (const module of bundle.modules) {
      const file = new ModuleFile(module);
      const content = file.render(sourceName(module, options));
      problems.push(...file.problems);
      files.push({ path: protoPath(module.name), content });
      if (module.name === 'interop' || protoPath(module.name) === ENVELOPE_PATH) {
        problems.push({
          code: 'E0702',
          message: `protobuf needs the package 'interop' and the file ${ENVELOPE_PATH} for the error envelope, which module ${module.name} would also take`,
          span: { file: module.file, line: 1, col: 1, endLine: 1, endCol: 1 },
          hint: 'rename the module',
        });
      }
    }
    files.push({ path: ENVELOPE_PATH, content: envelopeFile() });
    if (problems.length > 0) throw new TargetError(problems);
    return files;
  },
};

registerTarget(protoTarget);
