// The dynamic codec: encodes and decodes any IR type, driven by the IR alone (a manifest is
// enough). It gives the same canonical bytes as generated code, which the tests check, and powers
// `interop call` and other tools that meet a schema only at run time.

import { ApplicationError } from '../errors.js';
import type { EventDescriptor, FunctionDescriptor, ModuleDescriptor, PayloadCodec } from '../module.js';
import { defineCodec, type TypeCodec } from './define.js';
import { enumNode, nodeFor, structDeclNode, structNode, unionNode, type Node } from './dynamic-nodes.js';
import type { IrConstValue, IrModule, IrTypeDecl, IrTypeRef } from './ir-types.js';

export type { IrModule, IrTypeRef } from './ir-types.js';

/** A declared error received or sent without generated code: its type name and its fields. */
export class DynamicApplicationError extends ApplicationError {
  override readonly errorType: string;
  /** The error's fields, keyed by IDL name. */
  readonly detail: Record<string, unknown>;
  constructor(errorType: string, detail: Record<string, unknown>, message?: string) {
    super(message ?? errorType);
    this.errorType = errorType;
    this.detail = detail;
  }
}

export class DynamicCodecs {
  private readonly decls = new Map<string, IrTypeDecl>();
  private readonly nodes = new Map<string, Node>();
  private readonly modules = new Map<string, IrModule>();

  constructor(modules: readonly IrModule[]) {
    for (const m of modules) {
      this.modules.set(m.name, m);
      for (const d of m.types) this.decls.set(`${m.name}.${d.name}`, d);
    }
  }

  /** The declaration of a type by qualified name (`example.chat.Message`), aliases included. */
  decl(qualifiedName: string): IrTypeDecl | undefined {
    return this.decls.get(qualifiedName);
  }

  /** A codec for any type; `label` starts its error messages. */
  codec(type: IrTypeRef, label = describeType(type)): TypeCodec<unknown> {
    const node = this.node(type);
    return defineCodec<unknown>(label, {
      check: node.check,
      encodeMsgpack: node.encMp,
      decodeMsgpack: node.decMp,
      encodeJson: node.encJson,
      decodeJson: node.decJson,
    });
  }

  /** A codec for a declared type by qualified name; an alias stands for the type it names. */
  codecByName(qualifiedName: string): TypeCodec<unknown> {
    const d = this.decls.get(qualifiedName);
    if (d === undefined) throw new Error(`unknown type ${qualifiedName}`);
    const module = qualifiedName.slice(0, qualifiedName.length - d.name.length - 1);
    const type: IrTypeRef = d.kind === 'alias' ? d.type : { kind: 'ref', module, name: d.name, declKind: d.kind };
    return this.codec(type, d.name);
  }

  node(type: IrTypeRef): Node {
    return nodeFor(type, (t) => this.declNode(t.module, t.name));
  }

  private declNode(module: string, name: string): Node {
    const key = `${module}.${name}`;
    const cached = this.nodes.get(key);
    if (cached !== undefined) return cached;
    const d = this.decls.get(key);
    if (d === undefined) throw new Error(`unknown type ${key}`);
    const resolve = (t: Extract<IrTypeRef, { kind: 'ref' }>) => this.declNode(t.module, t.name);
    let node: Node;
    switch (d.kind) {
      case 'enum':
        node = enumNode(d.name, d.members);
        break;
      case 'union':
        node = unionNode(d, resolve);
        break;
      case 'struct':
      case 'error':
        node = structDeclNode(d, resolve, (c, t) => this.constValue(c, t));
        break;
      case 'alias':
        node = this.node(d.type);
        break;
    }
    this.nodes.set(key, node);
    return node;
  }

  /** A constant or default value as a JS value of the dynamic value model. */
  constValue(c: IrConstValue, type: IrTypeRef): unknown {
    const t = type.kind === 'optional' ? type.inner : type;
    switch (c.kind) {
      case 'bool':
        return c.value;
      case 'int':
        return t.kind === 'scalar' && (t.name === 'i64' || t.name === 'u64') ? BigInt(c.value) : Number(c.value);
      case 'float':
        return c.value === 'nan' ? NaN : c.value === 'inf' ? Infinity : c.value === '-inf' ? -Infinity : c.value;
      case 'string':
        return t.kind === 'scalar' && t.name === 'bytes' ? new TextEncoder().encode(c.value) : c.value;
      case 'enum':
        return c.value;
      case 'list':
        return c.items.map((i) => this.constValue(i, t.kind === 'list' ? t.element : t));
      case 'map':
        if (t.kind !== 'map') throw new Error('map constant for a non-map type');
        return new Map(c.entries.map((e) => [this.constValue(e.key, t.key), this.constValue(e.value, t.value)]));
      case 'none':
        return undefined;
    }
  }

  /**
   * A ModuleDescriptor built from the IR alone: parameters are positional arrays, results and
   * payloads follow the dynamic value model, declared errors arrive as DynamicApplicationError.
   */
  moduleDescriptor(moduleName: string): ModuleDescriptor {
    const m = this.modules.get(moduleName);
    if (m === undefined) throw new Error(`unknown module ${moduleName}`);
    const functions: Record<string, FunctionDescriptor> = {};
    const errors: ModuleDescriptor['errors'] = {};
    for (const f of m.functions) {
      const resolve = (t: Extract<IrTypeRef, { kind: 'ref' }>) => this.declNode(t.module, t.name);
      const params = structNode(f.name, f.params, resolve, (v, i) => (v as unknown[])[i], (values) => values, (c, t) => this.constValue(c, t));
      const throws: string[] = [];
      for (const t of f.throws) {
        if (t.kind !== 'ref') continue;
        const name = `${t.module}.${t.name}`;
        throws.push(name);
        errors[name] ??= { name, codec: this.errorCodec(name, t) };
      }
      const fn: FunctionDescriptor = {
        name: f.name,
        kind: f.kind,
        params: defineCodec<unknown[]>(f.name, {
          check: params.check,
          encodeMsgpack: params.encMp,
          decodeMsgpack: params.decMp as never,
          encodeJson: params.encJson,
          decodeJson: params.decJson as never,
        }),
        throws,
        method: f.name,
      };
      if (f.result !== undefined) fn.result = this.codec(f.result, `${f.name} result`);
      if (f.input !== undefined) fn.input = this.codec(f.input.type, `${f.name} input`);
      if (f.output !== undefined) fn.output = this.codec(f.output, `${f.name} output`);
      functions[f.name] = fn;
    }
    const events: Record<string, EventDescriptor> = {};
    for (const e of m.events) {
      events[e.name] = e.payload === undefined ? { name: e.name } : { name: e.name, payload: this.codec(e.payload, `${e.name} event`) };
    }
    return { name: m.name, version: m.version, fingerprint: m.fingerprint, functions, events, errors, ir: m };
  }

  private errorCodec(name: string, t: IrTypeRef): PayloadCodec<ApplicationError> {
    const fields = this.codec(t, name);
    return defineCodec<ApplicationError>(name, {
      check: (v) => fields.check(detailOf(v)),
      encodeMsgpack: (w, v) => fields.encodeMsgpack(w, detailOf(v)),
      decodeMsgpack: (r) => new DynamicApplicationError(name, fields.decodeMsgpack(r) as Record<string, unknown>),
      encodeJson: (w, v) => fields.encodeJson(w, detailOf(v)),
      decodeJson: (r) => new DynamicApplicationError(name, fields.decodeJson(r) as Record<string, unknown>),
    });
  }
}

/** The fields of an error to send: a DynamicApplicationError's detail, or the error object itself. */
function detailOf(e: ApplicationError): unknown {
  return e instanceof DynamicApplicationError ? e.detail : e;
}

export function describeType(t: IrTypeRef): string {
  if (t.alias !== undefined) return t.alias.name;
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'list':
      return `list<${describeType(t.element)}>`;
    case 'map':
      return `map<${describeType(t.key)}, ${describeType(t.value)}>`;
    case 'optional':
      return `optional<${describeType(t.inner)}>`;
    case 'ref':
      return t.name;
  }
}
