// The node config (docs/config.md "Node config", docs/config.schema.json): loading from an
// object, a file or INTEROP_NODE_CONFIG, schema validation with readable errors, and the checks
// a schema cannot express (a module reached two ways, a module both hosted and linked).

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { schemaFile } from '../schema-file.js';
import { parseJsonText } from '../json-text.js';
import type { CodecName } from '../module.js';
import { limitsFromWire, type Limits } from '../wire/limits.js';
import type { ShmConfig, TlsConfig, WebConfig } from '../transport/types.js';

export interface ConnectConfig {
  node?: string;
  /** One endpoint; or `endpoints`, several with a `policy` (docs/config.md). */
  address?: string;
  endpoints?: string[];
  policy?: 'failover' | 'round_robin';
  /** Functions ("module.fn") that may be sent again on another endpoint after a lost connection. */
  idempotent?: string[];
  codec?: CodecName;
  /** "module.member" -> the codec of that function's calls or that event's subscription (docs/config.md). */
  member_codecs?: Record<string, CodecName>;
  modules: string[];
  token?: string;
  /** PEM file of certificate authorities to trust for wss:// and https:// (beside the system's). */
  ca?: string;
}

export interface PluginConfig {
  node?: string;
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  codec?: CodecName;
  member_codecs?: Record<string, CodecName>;
  modules: string[];
  token?: string;
  shutdown_grace_ms?: number;
  /** `stdio` (default): frames on the plugin's stdin/stdout; `fds`: on descriptors 3 and 4. */
  channel?: 'stdio' | 'fds';
}

export interface NodeConfig {
  node: string;
  modules?: string[];
  listen?: string[];
  control?: string;
  stdio?: boolean;
  token?: string;
  connect?: ConnectConfig[];
  plugins?: PluginConfig[];
  limits?: Record<string, unknown>;
  /** Module -> package folder, for the modules a package-loading host loads (docs/library.md). */
  packages?: Record<string, string>;
  /** Web listeners (ws://, http://, …): Host and Origin checks, static files. */
  web?: WebConfig;
  /** Certificate and key of wss:// and https:// listeners. */
  tls?: TlsConfig;
  /** shm: connections: how long a reader polls its ring after traffic (docs/wire.md §9.4). */
  shm?: ShmConfig;
}

export interface ConfigIssue {
  /** Where, as a path into the config: `connect[1].address`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid node config (${source}):\n${issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// The schema is the documented contract, read from docs/ (or the package's copy: schema-file.ts).
const SCHEMA_URL = schemaFile('config.schema.json', import.meta.url);
let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (!validator) validator = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
  return validator;
}

/** `/connect/1/address` → `connect[1].address`. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describeError(e: ErrorObject): ConfigIssue {
  const path = pathOf(e.instancePath);
  const at = (name: string) => (path ? `${path}.${name}` : name);
  switch (e.keyword) {
    case 'required':
      return { path: at(String(e.params['missingProperty'])), message: 'is required' };
    case 'additionalProperties':
      return { path: at(String(e.params['additionalProperty'])), message: 'is not a known field' };
    case 'enum':
      return { path, message: `expected one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { path, message: path.endsWith('address') || path === 'control' || path.startsWith('listen') ? 'expected an address such as "unix:/path/to.sock" or "tcp://127.0.0.1:7000"' : `expected a qualified name such as "example.chat" (${e.message})` };
    default:
      return { path, message: `${e.message}` };
  }
}

/** A `member_codecs` key must be "module.member" of one of the link's modules. */
function memberCodecIssues(link: ConnectConfig | PluginConfig, where: string): ConfigIssue[] {
  return Object.keys(link.member_codecs ?? {})
    .filter((key) => !link.modules.some((m) => key.startsWith(`${m}.`) && !key.slice(m.length + 1).includes('.')))
    .map((key) => ({ path: `${where}.member_codecs[${JSON.stringify(key)}]`, message: `"${key}" is not a member of this entry's modules (write "module.function" or "module.event")` }));
}

/**
 * The `member_codecs` keys that name no function or event of their module, for the modules whose
 * descriptor the program has (the others are checked by the schema only).
 */
export function unknownMemberCodecs(config: NodeConfig, descriptor: (module: string) => { functions: object; events: object } | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const links: [ConnectConfig | PluginConfig, string][] = [...(config.connect ?? []).map((l, i) => [l, `connect[${i}]`] as [ConnectConfig, string]), ...(config.plugins ?? []).map((p, i) => [p, `plugins[${i}]`] as [PluginConfig, string])];
  for (const [link, where] of links) {
    for (const key of Object.keys(link.member_codecs ?? {})) {
      const dot = key.lastIndexOf('.');
      const d = descriptor(key.slice(0, dot));
      const member = key.slice(dot + 1);
      if (d && !Object.hasOwn(d.functions, member) && !Object.hasOwn(d.events, member)) {
        issues.push({ path: `${where}.member_codecs[${JSON.stringify(key)}]`, message: `${key.slice(0, dot)} has no function or event named ${member}` });
      }
    }
  }
  return issues;
}

/** Validates a parsed config; throws ConfigError listing every problem. */
export function checkNodeConfig(config: unknown, source = 'config'): NodeConfig {
  const v = validate();
  if (!v(config)) {
    // anyOf/oneOf noise aside, one line per problem.
    throw new ConfigError(source, (v.errors ?? []).filter((e) => e.keyword !== 'if').map(describeError));
  }
  const c = config as NodeConfig;
  const issues: ConfigIssue[] = [];
  const reachedBy = new Map<string, string>();
  for (const m of c.modules ?? []) reachedBy.set(m, 'modules');
  const claim = (module: string, where: string) => {
    const before = reachedBy.get(module);
    if (before) issues.push({ path: where, message: `module ${module} is already ${before === 'modules' ? 'hosted by this node' : `reached via ${before}`}` });
    else reachedBy.set(module, where);
  };
  (c.connect ?? []).forEach((link, i) => {
    link.modules.forEach((m) => claim(m, `connect[${i}]`));
    if (link.address !== undefined && link.endpoints !== undefined) {
      issues.push({ path: `connect[${i}]`, message: 'give either "address" (one endpoint) or "endpoints" (several, with a "policy")' });
    }
    for (const field of ['policy', 'idempotent'] as const) {
      if (link[field] !== undefined && link.endpoints === undefined) issues.push({ path: `connect[${i}].${field}`, message: 'applies to "endpoints" only' });
    }
    (link.idempotent ?? []).forEach((f, j) => {
      if (!link.modules.some((m) => f.startsWith(`${m}.`) && !f.slice(m.length + 1).includes('.'))) {
        issues.push({ path: `connect[${i}].idempotent[${j}]`, message: `"${f}" is not a function of this entry's modules (write "module.function")` });
      }
    });
    issues.push(...memberCodecIssues(link, `connect[${i}]`));
  });
  (c.plugins ?? []).forEach((p, i) => {
    p.modules.forEach((m) => claim(m, `plugins[${i}]`));
    issues.push(...memberCodecIssues(p, `plugins[${i}]`));
  });
  try {
    limitsFromWire(c.limits);
  } catch (error) {
    issues.push({ path: 'limits', message: (error as Error).message });
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return c;
}

export const CONFIG_ENV = 'INTEROP_NODE_CONFIG';

/**
 * A config object as is; a string as inline JSON (starting with "{") or a file path; nothing:
 * the INTEROP_NODE_CONFIG environment variable (path or inline JSON).
 */
export function loadNodeConfig(input?: NodeConfig | string): NodeConfig {
  if (typeof input === 'object') return checkNodeConfig(input, 'object');
  const text = input ?? process.env[CONFIG_ENV];
  if (text === undefined || text.trim() === '') throw new ConfigError(CONFIG_ENV, [{ path: '', message: `no config given and ${CONFIG_ENV} is not set` }]);
  const inline = text.trimStart().startsWith('{');
  const source = inline ? (input === undefined ? `inline JSON in ${CONFIG_ENV}` : 'inline JSON') : text;
  let raw: string;
  try {
    raw = inline ? text : readFileSync(text, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(source, [{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${(error as Error).message}` }]);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonText(raw);
  } catch (error) {
    throw new ConfigError(source, [{ path: '', message: `not JSON: ${(error as Error).message}` }]);
  }
  return checkNodeConfig(parsed, source);
}

export function configLimits(config: NodeConfig): Limits {
  return limitsFromWire(config.limits);
}
