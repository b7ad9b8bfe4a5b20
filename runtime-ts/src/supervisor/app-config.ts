// The application config read by `interop run app.json` (docs/config.md, "Application config";
// JSON Schema docs/app.schema.json). Loading = parse, check against the schema, check what a
// schema cannot say (links name real nodes, a module has one host, a plugin has one parent), then
// fill in defaults so the rest of the supervisor never sees an optional field.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JsonTextError, parseJsonText } from '../json-text.js';
import semver from 'semver';
import { validateAgainstSchema, type ConfigIssue } from './schema-check.js';

export type Language = 'ts' | 'python' | 'c' | 'native' | 'cpp' | 'd' | 'haskell';
export type LinkTransport = 'unix' | 'shm' | 'tcp' | 'ws' | 'http' | 'stdio';
export type LinkCodec = 'json' | 'msgpack' | 'protobuf' | 'flatbuffers';
/** How an address of each listening transport starts, and its form for messages. */
const ADDRESS_FORMS: Partial<Record<LinkTransport, [string, string]>> = {
  unix: ['unix:', 'unix:/path/to.sock'], shm: ['shm:', 'shm:/path/to/setup.sock'], tcp: ['tcp://', 'tcp://host:port'],
  ws: ['ws://', 'ws://host:port'], http: ['http://', 'http://host:port'],
};

export interface RestartPolicy {
  maxRestarts: number;
  windowMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface AppNode {
  name: string;
  language: Language;
  command: string[];
  /** Absolute. */
  cwd: string;
  env: Record<string, string>;
  modules: string[];
  main: boolean;
  restart: RestartPolicy;
  limits?: Record<string, unknown>;
  /** Addresses it listens on besides those of its links (a web page's, say). */
  listen?: string[];
  /** Handed to the node config unchanged (docs/config.md `web`). */
  web?: Record<string, unknown>;
  /** Set when a stdio link makes this node a plugin: the node that spawns it. */
  pluginOf?: string;
  /** Module -> unpacked package folder, for the modules the node host loads from packages (filled in by the library resolution, docs/library.md). */
  packages?: Record<string, string>;
}

/** A module library: where, and the public keys one of which must sign its indexes (none: unsigned). */
export interface LibrarySpec {
  location: string;
  keys: string[];
}

/** Where a module's package comes from: a library (by version range) or a local folder. */
export type PackageSource = { range: string } | { path: string };

export interface AppLink {
  from: string;
  to: string;
  transport: LinkTransport;
  /** As written; the supervisor fills in missing addresses when it starts (see run-plan.ts). */
  address?: string;
  codec: LinkCodec;
  /** "module.member" -> its own codec, overriding `codec` (docs/config.md "Codec per function or event"). */
  memberCodecs?: Record<string, LinkCodec>;
}

export interface AppConfig {
  name: string;
  description?: string;
  /** Absolute path of the config file, and its directory (relative paths start there). */
  file: string;
  dir: string;
  prepare: string[][];
  /** In the order written. */
  nodes: AppNode[];
  links: AppLink[];
  readyTimeoutMs: number;
  shutdownGraceMs: number;
  /** Liveness: a ready node is asked for health this often (0: never) ... */
  healthIntervalMs: number;
  /** ... and killed (then restarted) after this many failed checks in a row. */
  unhealthyAfter: number;
  /** Module libraries as written (URLs, or folders relative to `dir`), in order. */
  libraries: LibrarySpec[];
  /** Modules implemented by packages (docs/library.md). Folder paths are absolute. */
  packages: Map<string, PackageSource>;
}

export const DEFAULT_RESTART: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoffInitialMs: 250,
  backoffMaxMs: 5_000,
};
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 3_000;
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000;
export const DEFAULT_UNHEALTHY_AFTER = 3;

/** A config that cannot be used; `issues` say which field and what was expected. */
export class AppConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** `headline` replaces "invalid application config" and the list, for a file that cannot be read or parsed. */
  constructor(file: string, issues: ConfigIssue[], headline?: string) {
    super(headline !== undefined ? `${file}${headline}` : `${file}: invalid application config\n` + issues.map((i) => `  ${i.path || '(top level)'}: ${i.message}`).join('\n'));
    this.name = 'AppConfigError';
    this.issues = issues;
  }
}

export function loadAppConfig(file: string): AppConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `no such file (looked for ${absolute})` : `cannot read the file (${code ?? String(err)})`;
    throw new AppConfigError(file, [{ path: '', message }], `: ${message}`);
  }
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonTextError)) throw err;
    // file:line:col, as compilers print it, so editors and terminals can jump there.
    throw new AppConfigError(file, [{ path: '', message: `not valid JSON: ${err.message}` }], `:${err.line}:${err.column}: not valid JSON: ${err.what}`);
  }
  return parseAppConfig(raw, absolute);
}

/** Validates an already parsed config; `file` anchors relative paths and names the config in errors. */
export function parseAppConfig(raw: unknown, file: string): AppConfig {
  const schemaIssues = validateAgainstSchema(raw);
  if (schemaIssues.length > 0) throw new AppConfigError(file, schemaIssues);
  const json = raw as RawApp;
  const dir = path.dirname(path.resolve(file));
  const defaults = restartPolicy(json.supervisor?.restart, DEFAULT_RESTART);

  const nodes: AppNode[] = Object.entries(json.nodes).map(([name, n]) => ({
    name,
    language: n.language,
    command: n.command,
    cwd: path.resolve(dir, n.cwd ?? '.'),
    env: n.env ?? {},
    modules: n.modules,
    main: n.main ?? false,
    restart: restartPolicy(n.restart, defaults),
    ...(n.limits ? { limits: n.limits } : {}),
    ...(n.listen ? { listen: n.listen } : {}),
    ...(n.web ? { web: n.web } : {}),
  }));
  const links: AppLink[] = (json.links ?? []).map((l) => ({
    from: l.from,
    to: l.to,
    transport: l.transport,
    ...(l.address !== undefined ? { address: l.address } : {}),
    codec: l.codec ?? 'msgpack',
    ...(l.member_codecs !== undefined ? { memberCodecs: l.member_codecs } : {}),
  }));

  const packages = new Map<string, PackageSource>(
    Object.entries(json.packages ?? {}).map(([m, v]) => [m, typeof v === 'string' ? { range: v } : { path: path.resolve(dir, v.path) }]),
  );
  const issues = [...checkStructure(nodes, links), ...checkPackages(json.packages ?? {}, nodes)];
  if (issues.length > 0) throw new AppConfigError(file, issues);
  for (const link of links) {
    if (link.transport === 'stdio') nodes.find((n) => n.name === link.to)!.pluginOf = link.from;
  }
  return {
    name: json.name,
    ...(json.description !== undefined ? { description: json.description } : {}),
    file: path.resolve(file),
    dir,
    prepare: json.prepare ?? [],
    nodes,
    links,
    readyTimeoutMs: json.supervisor?.ready_timeout_ms ?? DEFAULT_READY_TIMEOUT_MS,
    shutdownGraceMs: json.supervisor?.shutdown_grace_ms ?? DEFAULT_SHUTDOWN_GRACE_MS,
    healthIntervalMs: json.supervisor?.health_interval_ms ?? DEFAULT_HEALTH_INTERVAL_MS,
    unhealthyAfter: json.supervisor?.unhealthy_after ?? DEFAULT_UNHEALTHY_AFTER,
    libraries: (json.libraries ?? []).map((l) => (typeof l === 'string' ? { location: l, keys: [] } : { location: l.url, keys: l.keys })),
    packages,
  };
}

/** Ranges must parse, and a node must host each package module (its node host loads it). */
function checkPackages(packages: Record<string, string | { path: string }>, nodes: AppNode[]): ConfigIssue[] {
  return Object.entries(packages).flatMap(([module, v]) => [
    ...(typeof v === 'string' && semver.validRange(v) === null
      ? [{ path: `packages.${module}`, message: `expected a version range such as "^1.2.0", "~1.2" or ">=1 <3", got "${v}"` }]
      : []),
    ...(nodes.some((n) => n.modules.includes(module))
      ? []
      : [{ path: `packages.${module}`, message: `no node hosts ${module}: add it to the "modules" of the node whose host should load it` }]),
  ]);
}

/** The rules a JSON Schema cannot express. */
function checkStructure(nodes: AppNode[], links: AppLink[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Set(nodes.map((n) => n.name));
  const hostOf = new Map<string, string>();
  for (const node of nodes) {
    for (const [i, module] of node.modules.entries()) {
      const other = hostOf.get(module);
      if (other !== undefined) {
        issues.push({ path: `nodes.${node.name}.modules[${i}]`, message: `module "${module}" is already hosted by node "${other}"; a module has exactly one host` });
      } else hostOf.set(module, node.name);
    }
  }
  const seen = new Map<string, number>();
  links.forEach((link, i) => {
    const at = `links[${i}]`;
    for (const end of ['from', 'to'] as const) {
      if (!names.has(link[end])) {
        issues.push({ path: `${at}.${end}`, message: `expected the name of a node (one of ${[...names].map((n) => `"${n}"`).join(', ')}), got "${link[end]}"` });
      }
    }
    if (link.from === link.to) issues.push({ path: at, message: `a link joins two different nodes; "${link.from}" links to itself (modules in one node call each other directly)` });
    const key = `${link.from}->${link.to}`;
    const previous = seen.get(key);
    if (previous !== undefined) issues.push({ path: at, message: `duplicate of links[${previous}]: one link per pair of nodes` });
    else seen.set(key, i);
    const to = nodes.find((n) => n.name === link.to);
    for (const key of Object.keys(link.memberCodecs ?? {})) {
      if (to && !to.modules.some((m) => key.startsWith(`${m}.`) && !key.slice(m.length + 1).includes('.'))) {
        issues.push({ path: `${at}.member_codecs[${JSON.stringify(key)}]`, message: `"${key}" is not a member of a module node "${to.name}" hosts (write "module.function" or "module.event")` });
      }
    }
    if (link.transport === 'stdio' && link.address !== undefined) {
      issues.push({ path: `${at}.address`, message: 'a stdio link has no address: the plugin is spawned with its node\'s "command"' });
    }
    const form = ADDRESS_FORMS[link.transport];
    if (link.address !== undefined && form !== undefined && !link.address.startsWith(form[0])) {
      issues.push({ path: `${at}.address`, message: `expected a ${link.transport} address (${form[1]}), got "${link.address}"` });
    }
  });
  // A plugin is spawned by exactly one parent and reached only through it.
  links.forEach((link, i) => {
    if (link.transport !== 'stdio' || !names.has(link.to)) return;
    const incoming = links.filter((l) => l.to === link.to);
    if (incoming.length > 1) {
      issues.push({ path: `links[${i}]`, message: `node "${link.to}" is a stdio plugin of "${link.from}", so no other link may lead to it` });
    }
    const plugin = nodes.find((n) => n.name === link.to)!;
    if (plugin.main) issues.push({ path: `nodes.${plugin.name}.main`, message: 'a stdio plugin cannot be the main node: its parent decides when it runs' });
  });
  // Two different nodes cannot listen on one address.
  const listeners = new Map<string, string>();
  links.forEach((link, i) => {
    if (link.address === undefined) return;
    const owner = listeners.get(link.address);
    if (owner !== undefined && owner !== link.to) {
      issues.push({ path: `links[${i}].address`, message: `"${link.address}" is already the address of node "${owner}"` });
    } else listeners.set(link.address, link.to);
  });
  return issues;
}

function restartPolicy(raw: RawRestart | undefined, base: RestartPolicy): RestartPolicy {
  return {
    maxRestarts: raw?.max_restarts ?? base.maxRestarts,
    windowMs: raw?.window_ms ?? base.windowMs,
    backoffInitialMs: raw?.backoff_initial_ms ?? base.backoffInitialMs,
    backoffMaxMs: raw?.backoff_max_ms ?? base.backoffMaxMs,
  };
}

// The JSON shape, as docs/app.schema.json describes it (snake_case like every config file).
interface RawRestart {
  max_restarts?: number;
  window_ms?: number;
  backoff_initial_ms?: number;
  backoff_max_ms?: number;
}
interface RawApp {
  name: string;
  description?: string;
  prepare?: string[][];
  nodes: Record<string, {
    language: Language;
    command: string[];
    cwd?: string;
    env?: Record<string, string>;
    modules: string[];
    main?: boolean;
    restart?: RawRestart;
    limits?: Record<string, unknown>;
    listen?: string[];
    web?: Record<string, unknown>;
  }>;
  links?: Array<{ from: string; to: string; transport: LinkTransport; address?: string; codec?: LinkCodec; member_codecs?: Record<string, LinkCodec> }>;
  libraries?: Array<string | { url: string; keys: string[] }>;
  packages?: Record<string, string | { path: string }>;
  supervisor?: {
    ready_timeout_ms?: number;
    shutdown_grace_ms?: number;
    health_interval_ms?: number;
    unhealthy_after?: number;
    restart?: RawRestart;
  };
}
