// Renders a node's manifest (docs/wire.md §7: node, protocol, limits, and the IR bundle of
// docs/ir.md) as text that reads like the .interop source it came from, with docs as comments.
// Only the fields printed here are typed: the runtime does not depend on the compiler package.

interface IrType {
  kind: 'scalar' | 'list' | 'map' | 'optional' | 'ref';
  name?: string;
  module?: string;
  element?: IrType;
  key?: IrType;
  value?: IrType;
  inner?: IrType;
}
interface IrField { id: number; name: string; type?: IrType; doc?: string }
interface IrDecl { kind: string; name: string; doc?: string; fields?: IrField[]; cases?: IrField[]; members?: Array<{ name: string; value: number }>; type?: IrType }
interface IrFunction { name: string; kind: string; doc?: string; params: IrField[]; result?: IrType; throws: IrType[]; input?: IrField; output?: IrType }
interface IrEvent { name: string; doc?: string; payload?: IrType }
export interface IrModule {
  name: string;
  version: string;
  doc?: string;
  fingerprint: string;
  imports?: string[];
  depends?: string[];
  types: IrDecl[];
  functions: IrFunction[];
  events: IrEvent[];
}
interface MixedVersion {
  peer: string;
  module: string;
  role: 'calls' | 'serves';
  fingerprint: string;
  peer_fingerprint: string;
  unavailable?: Array<{ kind: string; member: string; code: string; message: string }>;
}
export interface Manifest {
  node: string;
  protocol: number;
  limits?: Record<string, unknown>;
  bundle?: { modules: IrModule[]; roots?: string[] };
  mixed_versions?: MixedVersion[];
}

export function formatManifest(manifest: Manifest): string {
  const out: string[] = [`node ${manifest.node} (protocol ${manifest.protocol})`];
  if (manifest.limits) {
    out.push(`limits: ${Object.entries(manifest.limits).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  }
  const modules = manifest.bundle?.modules ?? [];
  // The bundle also carries the modules the served ones import (their types are used by them):
  // those follow the served modules, marked as not served here.
  const roots = manifest.bundle?.roots ?? modules.map((m) => m.name);
  const served = modules.filter((m) => roots.includes(m.name));
  const imported = modules.filter((m) => !roots.includes(m.name));
  if (served.length === 0) out.push('', '(this node serves no modules besides interop.control)');
  for (const m of served) out.push('', ...formatModule(m));
  for (const m of imported) {
    const by = modules.filter((o) => o.imports?.includes(m.name)).map((o) => o.name);
    out.push('', `// not served by this node: imported by ${by.join(', ') || 'a served module'}`, ...formatModule(m));
  }
  if (manifest.mixed_versions?.length) out.push('', ...formatMixedVersions(manifest.mixed_versions));
  return out.join('\n');
}

/**
 * The node's connections to peers built from another version of a module (docs/idl.md,
 * "Evolving a schema"): for a module this node calls, what it cannot use on that peer and why.
 */
function formatMixedVersions(entries: MixedVersion[]): string[] {
  const out = ['// mixed versions on open connections (docs/idl.md, "Evolving a schema"):'];
  for (const e of entries) {
    const peer = e.peer || 'a peer';
    if (e.role === 'serves') {
      out.push(`//   serves ${e.module} to ${peer}, built from ${e.peer_fingerprint} (this node: ${e.fingerprint})`);
      continue;
    }
    out.push(`//   calls ${e.module} on ${peer}, which has ${e.peer_fingerprint} (this node: ${e.fingerprint})`);
    const unavailable = e.unavailable ?? [];
    if (unavailable.length === 0) out.push('//     every function and event works');
    for (const u of unavailable) out.push(`//     ${u.kind === 'function' ? 'fn' : 'event'} ${u.member}: ${u.code}: ${u.message}`);
  }
  return out;
}

export function formatModule(m: IrModule): string[] {
  const out = [...docLines(m.doc, ''), `module ${m.name} version "${m.version}";   // ${m.fingerprint}`];
  if (m.depends && m.depends.length > 0) out.push(`depends ${m.depends.join(', ')};`);
  for (const d of m.types) out.push('', ...formatDecl(m.name, d));
  m.functions.forEach((f, i) => {
    // A blank line before the section, and between members that carry docs.
    if (i === 0 || f.doc) out.push('');
    out.push(...docLines(f.doc, ''));
    const input = f.input ? [`${f.input.id}: ${f.input.name}: stream<${typeText(m.name, f.input.type)}>`] : [];
    const params = [...f.params.map((p) => `${p.id}: ${p.name}: ${typeText(m.name, p.type)}`), ...input].join(', ');
    const result = f.output ? ` -> stream<${typeText(m.name, f.output)}>` : f.result ? ` -> ${typeText(m.name, f.result)}` : '';
    const throws = f.throws.length > 0 ? ` throws ${f.throws.map((t) => typeText(m.name, t)).join(', ')}` : '';
    out.push(`${f.kind === 'oneway' ? 'oneway ' : ''}fn ${f.name}(${params})${result}${throws};`);
  });
  m.events.forEach((e, i) => {
    if (i === 0 || e.doc) out.push('');
    out.push(...docLines(e.doc, ''), `event ${e.name}${e.payload ? `: ${typeText(m.name, e.payload)}` : ''};`);
  });
  return out;
}

function formatDecl(module: string, d: IrDecl): string[] {
  const out = docLines(d.doc, '');
  if (d.kind === 'alias') return [...out, `type ${d.name} = ${typeText(module, d.type)};`];
  if (d.kind === 'enum') {
    return [...out, `enum ${d.name} { ${(d.members ?? []).map((m) => `${m.name} = ${m.value};`).join(' ')} }`];
  }
  const members = d.kind === 'union' ? d.cases ?? [] : d.fields ?? [];
  out.push(`${d.kind} ${d.name} {`);
  for (const f of members) {
    out.push(...docLines(f.doc, '  '));
    const optional = f.type?.kind === 'optional';
    const type = optional ? f.type!.inner : f.type;
    out.push(`  ${f.id}: ${f.name}${optional ? '?' : ''}${type ? `: ${typeText(module, type)}` : ''};`);
  }
  out.push('}');
  return out;
}

/** A type as written in IDL; references into the same module are left unqualified. */
export function typeText(module: string, t: IrType | undefined): string {
  if (t === undefined) return '?';
  switch (t.kind) {
    case 'scalar':
      return t.name ?? '?';
    case 'list':
      return `list<${typeText(module, t.element)}>`;
    case 'map':
      return `map<${typeText(module, t.key)}, ${typeText(module, t.value)}>`;
    case 'optional':
      return `optional<${typeText(module, t.inner)}>`;
    case 'ref':
      return t.module === module ? t.name ?? '?' : `${t.module}.${t.name}`;
  }
}

function docLines(doc: string | undefined, indent: string): string[] {
  return doc ? doc.split('\n').map((l) => `${indent}/// ${l}`.trimEnd()) : [];
}
