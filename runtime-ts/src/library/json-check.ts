// Checks the library's JSON documents (package metadata, library indexes, lockfiles) against their
// schemas in docs/, which are the documented contract, and says what is wrong in one line per
// problem: `dependencies.greenhouse.sensors: expected a string`.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LibraryError } from './errors.js';
import { schemaFile } from '../schema-file.js';

export type SchemaName = 'package' | 'library-index' | 'lock';

const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(schemaFile(`${name}.schema.json`, import.meta.url), 'utf8'));
    v = new Ajv({ allErrors: true, strict: false }).compile(schema);
    compiled.set(name, v);
  }
  return v;
}

/** Parses `text` as JSON and checks it against docs/<schema>.schema.json; `what` names it in errors. */
export function parseChecked<T>(text: string, schema: SchemaName, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LibraryError(`${what}: not valid JSON (${(err as Error).message})`);
  }
  return checked<T>(value, schema, what);
}

export function checked<T>(value: unknown, schema: SchemaName, what: string): T {
  const v = validator(schema);
  if (!v(value)) {
    const lines = [...new Set((v.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames').map(describe))];
    throw new LibraryError(`${what}: not a valid ${schema === 'package' ? 'package description' : schema === 'lock' ? 'lockfile' : 'library index'} (docs/${schema}.schema.json)\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  return value as T;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${at ? `${at}.` : ''}${String(p.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${at ? `${at}.` : ''}${String(p.additionalProperty)}: is not a known field`;
    case 'enum':
      return `${at || '(top level)'}: expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at || '(top level)'}: ${e.message ?? e.keyword}`;
  }
}
