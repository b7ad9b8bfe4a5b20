// Checks a parsed app config against docs/app.schema.json and turns ajv's errors into sentences a
// user can act on: which field (as a dotted path), what was expected, what was found.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { schemaFile } from '../schema-file.js';

export interface ConfigIssue {
  /** Dotted path into the config, e.g. `nodes.hub.command` or `links[2].transport`. */
  path: string;
  message: string;
}

// The schema is the documented contract, so it is read from docs/ rather than copied here (or
// from the package's copy: ../schema-file.ts).
const SCHEMA_URL = schemaFile('app.schema.json', import.meta.url);

let compiled: { validate: ValidateFunction; patterns: Map<string, string> } | undefined;

function validator(): ValidateFunction {
  return loaded().validate;
}

function loaded(): { validate: ValidateFunction; patterns: Map<string, string> } {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
  // Each pattern in the schema, explained in words for the error message.
  const patterns = new Map<string, string>([
    [schema.definitions.nodeName.pattern, 'a node name (a letter, then up to 31 letters, digits, "_" or "-")'],
    [schema.definitions.moduleName.pattern, 'a qualified module name such as "demo.sensors"'],
    [schema.definitions.link.properties.address.pattern, 'an address "unix:/path/to.sock", "tcp://host:port", "ws://host:port" or "http://host:port"'],
    [schema.definitions.node.properties.listen.items.pattern, 'an address "unix:/path/to.sock", "tcp://host:port", "ws://host:port", "http://host:port" (or wss://, https://)'],
    [schema.properties.name.pattern, 'an application name (a letter, then up to 39 letters, digits, "_" or "-")'],
  ]);
  // verbose: errors carry their parent schema, which lists the allowed fields.
  compiled = { validate: new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema), patterns };
  return compiled;
}

export function validateAgainstSchema(value: unknown): ConfigIssue[] {
  const validate = validator();
  if (validate(value)) return [];
  const issues = (validate.errors ?? []).filter(isUseful).map((e) => describe(e, value));
  // allErrors reports some problems twice (e.g. a bad property name via two keywords).
  const unique = new Map(issues.map((i) => [`${i.path}\u0000${i.message}`, i]));
  return [...unique.values()];
}

/** `if`/`propertyNames` wrappers only repeat what their inner error already says. */
function isUseful(e: ErrorObject): boolean {
  return e.keyword !== 'propertyNames' && e.keyword !== 'if';
}

function describe(e: ErrorObject, root: unknown): ConfigIssue {
  const at = toDotted(e.instancePath);
  const found = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: at, message: `missing required field "${String(p.missingProperty)}"` };
    case 'additionalProperties':
      return { path: join(at, String(p.additionalProperty)), message: `unknown field "${String(p.additionalProperty)}"${allowedFields(e)}` };
    case 'type':
      return { path: at, message: `expected ${String(p.type).split(',').map(article).join(' or ')}, got ${typeName(found)}` };
    case 'enum':
      return { path: at, message: `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(found)}` };
    case 'pattern':
      return propertyNameOrValue(e, at, found, loaded().patterns.get(String(p.pattern)) ?? `a string matching ${String(p.pattern)}`);
    case 'minItems':
      return { path: at, message: `expected at least ${String(p.limit)} item(s), got ${Array.isArray(found) ? found.length : 0}` };
    case 'minProperties':
      return { path: at, message: `expected at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}, got none` };
    case 'minimum':
      return { path: at, message: `expected a number >= ${String(p.limit)}, got ${JSON.stringify(found)}` };
    case 'uniqueItems':
      return { path: at, message: `expected no duplicates, but items ${String(p.j)} and ${String(p.i)} are equal` };
    default:
      return { path: at, message: e.message ?? `fails the ${e.keyword} rule` };
  }
}

function propertyNameOrValue(e: ErrorObject, at: string, found: unknown, meaning: string): ConfigIssue {
  // A bad key (e.g. a node name) is reported by ajv with propertyName set.
  if (e.propertyName !== undefined) return { path: join(at, e.propertyName), message: `expected ${meaning} as the name, got "${e.propertyName}"` };
  return { path: at, message: `expected ${meaning}, got ${JSON.stringify(found)}` };
}

function allowedFields(e: ErrorObject): string {
  const schema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
  const keys = Object.keys(schema?.properties ?? {}).filter((k) => k !== '$schema');
  return keys.length > 0 ? ` (allowed: ${keys.join(', ')})` : '';
}

function toDotted(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : join(acc, seg)), '');
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${article(typeof v)} (${JSON.stringify(v)})`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
