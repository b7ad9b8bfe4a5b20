// The FlatBuffers schema target: `interopc gen --lang fbs --out DIR FILES` writes one .fbs file per
// IDL module (`example.chat` → DIR/example/chat.fbs, namespace example.chat) that describes the
// bytes of the `flatbuffers` codec, so flatc-generated readers read what interop nodes send. The
// mapping: docs/types.md "FlatBuffers"; why: ADR 0028. What FlatBuffers cannot express (field ids
// past MAX_FIELD_ID, union case ids past 255) is a compile error.

import type { Bundle, EnumDecl, Field, FunctionDecl, Module, Span, TypeRef, UnionDecl } from '../../ir/types.js';
import { pascalCase } from '../common/case.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { TopLevelNames } from '../common/schema-names.js';
import { registerTarget } from '../registry.js';
import { TargetError, type GeneratedFile, type Target, type TargetOptions, type TargetProblem } from '../target.js';
import { FbsTypes } from './fields.js';

/**
 * A field id is its table slot (id - 1; the gaps are deprecated slots), and each table's vtable
 * holds a slot up to its largest id: ids past this are refused rather than making vtables of
 * kilobytes (the IDL allows up to 2^29-1).
 */
export const MAX_FIELD_ID = 1024;
/** A FlatBuffers union's type is a ubyte, 0 meaning none. */
const MAX_CASE_ID = 255;

export function fbsPath(moduleName: string): string {
  return `${moduleName.split('.').join('/')}.fbs`;
}

function doc(lines: string[], text: string | undefined, indent = ''): void {
  if (text) for (const l of text.split('\n')) lines.push(`${indent}///${l === '' ? '' : ` ${l}`}`);
}

class ModuleFile {
  readonly lines: string[] = [];
  readonly problems: TargetProblem[];
  readonly types: FbsTypes;
  private readonly names: TopLevelNames;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {
    this.names = new TopLevelNames('FlatBuffers', module);
    this.problems = this.names.problems;
    this.types = new FbsTypes(module, this.names, (t) => {
      const m = bundle.modules.find((x) => x.name === t.module);
      const e = m?.types.find((d): d is EnumDecl => d.kind === 'enum' && d.name === t.name);
      return e!.members[0]!.name;
    });
  }

  table(name: string, text: string | undefined, fields: Field[], owner: string): void {
    const body: string[] = [];
    let slot = 0;
    for (const f of [...fields].sort((a, b) => a.id - b.id)) {
      if (f.id > MAX_FIELD_ID) {
        this.problems.push({
          code: 'E0703',
          message: `field '${f.name}' of ${owner} has id ${f.id}, past the largest FlatBuffers can take here (${MAX_FIELD_ID})`,
          span: f.span,
          hint: `FlatBuffers gives every id up to the largest its own slot in each table; use ids up to ${MAX_FIELD_ID} in a schema sent as flatbuffers`,
        });
        continue;
      }
      // Unused ids keep their slots, deprecated, so that a field's slot is always its id - 1.
      for (; slot < f.id - 1; slot++) body.push(`  _unused_${slot + 1}: bool (deprecated, id: ${slot});`);
      if (fields.some((g) => g.name === `_unused_${f.id}`)) {
        this.problems.push({ code: 'E0702', message: `FlatBuffers needs the field name '_unused_${f.id}' in ${owner} for an unused id`, span: f.span, hint: 'rename the field' });
      }
      doc(body, f.doc, '  ');
      body.push(`  ${this.types.field(f.type, f.name, f.span, f.default, slot)}`);
      slot++;
    }
    this.lines.push('');
    doc(this.lines, text);
    this.lines.push(`table ${name} {`, ...body, '}');
  }

  enumeration(e: EnumDecl): void {
    // FlatBuffers wants the values in ascending order; the wire holds the value, not the order.
    const body: string[] = [];
    for (const m of [...e.members].sort((a, b) => a.value - b.value)) {
      doc(body, m.doc, '  ');
      body.push(`  ${m.name} = ${m.value},`);
    }
    this.lines.push('');
    doc(this.lines, e.doc);
    this.lines.push(`enum ${e.name} : int {`, ...body, '}');
  }

  union(u: UnionDecl): void {
    // Each case is a table `<Union><Case> { value: T; }` (empty for a unit case), so that any case
    // type, scalars and lists included, can be a FlatBuffers union member; its type id is the case id.
    const members: string[] = [];
    for (const c of [...u.cases].sort((a, b) => a.id - b.id)) {
      if (c.id > MAX_CASE_ID) {
        this.problems.push({
          code: 'E0704',
          message: `case '${c.name}' of union ${u.name} has id ${c.id}; a FlatBuffers union takes case ids 1 to ${MAX_CASE_ID}`,
          span: c.span,
          hint: `give the case an id up to ${MAX_CASE_ID} to send this union as flatbuffers`,
        });
        continue;
      }
      const table = `${u.name}${pascalCase(c.name)}`;
      if (!this.names.claim(table, `case ${c.name} of union ${u.name}`, c.span)) continue;
      this.lines.push('');
      doc(this.lines, c.doc);
      this.lines.push(`table ${table} {`, ...(c.type ? [`  ${this.types.field(c.type, 'value', c.span)}`] : []), '}');
      members.push(`  ${table} = ${c.id},`);
    }
    const caseName = `${u.name}Case`;
    if (!this.names.claim(caseName, `the cases of union ${u.name}`, u.span)) return;
    this.lines.push('', `union ${caseName} {`, ...members, '}', '');
    doc(this.lines, u.doc);
    this.lines.push(`table ${u.name} {`, `  value: ${caseName};`, '}');
  }

  /** A payload that is not a table travels in `<Name> { value: T; }`; a table travels as itself. */
  payload(t: TypeRef | undefined, name: string, what: string, span: Span): void {
    if (!t || (t.kind === 'ref' && t.declKind !== 'enum')) return;
    if (!this.names.claim(name, what, span)) return;
    this.lines.push('', `/// ${what.charAt(0).toUpperCase()}${what.slice(1)}.`, `table ${name} {`, `  ${this.types.field(t, 'value', span)}`, '}');
  }

  fn(f: FunctionDecl): void {
    const base = pascalCase(f.name);
    const request = `${base}Request`;
    if (this.names.claim(request, `the parameters of function ${f.name}`, f.span)) {
      const throws = f.throws.map((t) => (t.kind === 'ref' ? `${t.module}.${t.name}` : '')).join(', ');
      const text = [f.doc, `The parameters of ${f.name} (the REQUEST payload).`, ...(throws ? [`Throws: ${throws}.`] : [])];
      this.table(request, text.filter(Boolean).join('\n'), f.params, `function ${f.name}`);
    }
    this.payload(f.result, `${base}Result`, `the result of function ${f.name}`, f.span);
    this.payload(f.input?.type, `${base}Input`, `an item of the input stream of function ${f.name}`, f.span);
    this.payload(f.output, `${base}Output`, `an item of the output stream of function ${f.name}`, f.span);
  }

  render(source: string): string {
    for (const d of this.module.types) {
      if (d.kind === 'struct' || d.kind === 'error') this.table(d.name, d.doc, d.fields, `${d.kind} ${d.name}`);
      else if (d.kind === 'enum') this.enumeration(d);
      else if (d.kind === 'union') this.union(d);
    }
    for (const f of this.module.functions) this.fn(f);
    for (const e of this.module.events) this.payload(e.payload, `${pascalCase(e.name)}Event`, `the payload of event ${e.name}`, e.span);
    for (const w of this.types.wrappers) this.lines.push('', `table ${w.name} {`, ...w.fields.map((f) => `  ${f}`), '}');

    const head = [generatedHeader('//', source, this.module), '// Mapping: docs/types.md "FlatBuffers". Bytes: the interop flatbuffers codec.'];
    const includes = [...this.types.includes].sort().map((m) => `include "${fbsPath(m)}";`);
    if (includes.length > 0) head.push('', ...includes);
    head.push('');
    if (this.module.doc) head.push(...this.module.doc.split('\n').map((l) => `//${l === '' ? '' : ` ${l}`}`));
    head.push(`namespace ${this.module.name};`);
    return `${[...head, ...this.lines].join('\n')}\n`;
  }
}

/** The ERROR payload (docs/wire.md §3.6 and §4), one file for every module's errors: namespace `interop`. */
export const ENVELOPE_PATH = 'interop/error_envelope.fbs';

function envelopeFile(): string {
  return `${[
    generatedHeader('//', 'the interop wire protocol (docs/wire.md section 4)'),
    '// The error envelope: the payload of an ERROR frame in the flatbuffers codec (docs/wire.md sections 3.6 and 4).',
    '',
    'namespace interop;',
    '',
    'table ErrorEnvelope {',
    '  /// docs/wire.md section 4.1: 101 APPLICATION_ERROR for a declared error.',
    '  code: uint (id: 0);',
    '  /// For people.',
    '  message: string (id: 1);',
    "  /// The declared error's qualified name, e.g. example.chat.NotFound.",
    '  type: string (id: 2);',
    "  /// The declared error value: its own FlatBuffer (root offset first) of the table `type` names,",
    '  /// 8-aligned in the payload.',
    '  detail: [ubyte] (id: 3);',
    '}',
  ].join('\n')}\n`;
}

export const fbsTarget: Target = {
  id: 'fbs',
  displayName: 'FlatBuffers (.fbs schema)',
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] {
    const files: GeneratedFile[] = [];
    const problems: TargetProblem[] = [];
    // Every module reached, imports included: flatc needs the files a file includes.
    for (const module of bundle.modules) {
      const file = new ModuleFile(bundle, module);
      const content = file.render(sourceName(module, options));
      problems.push(...file.problems);
      files.push({ path: fbsPath(module.name), content });
      if (module.name === 'interop' || fbsPath(module.name) === ENVELOPE_PATH) {
        problems.push({
          code: 'E0702',
          message: `FlatBuffers needs the namespace 'interop' and the file ${ENVELOPE_PATH} for the error envelope, which module ${module.name} would also take`,
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

registerTarget(fbsTarget);
