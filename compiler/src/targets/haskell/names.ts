// Naming policy of the Haskell target, as data: the case of each kind of symbol, the words that
// must be escaped, and the one escape rule (append `'`). Every name a generated module defines is
// assigned here, once per module, before anything is emitted, so clashes are solved in one place.
// `@name(haskell = "…")` wins over the case rule (it is still made unique).
//
// Generated modules import the Prelude and the runtime qualified only (`P.`, `G.`), so an IDL
// name can never clash with a library name; what is left are Haskell's keywords (lowercase names)
// and the names a module defines itself. Haskell has two namespaces that matter: types, and
// values; constructors share a third. Names the generator needs for itself (a function's
// parameter record, the table of members by name) contain a `'` before more letters, which no
// escaped IDL name has, so they need no table.

import type { Annotations, Bundle, Module, TypeDecl } from '../../ir/types.js';
import { camelCase, pascalCase, words } from '../common/case.js';

/** Haskell 2010 keywords and GHC's extension keywords (harmless to escape even when unused). */
// prettier-ignore
const KEYWORDS = new Set([
  'case', 'class', 'data', 'default', 'deriving', 'do', 'else', 'foreign', 'if', 'import', 'in',
  'infix', 'infixl', 'infixr', 'instance', 'let', 'module', 'newtype', 'of', 'then', 'type', 'where',
  'forall', 'mdo', 'rec', 'proc', 'pattern', 'family', 'role', 'qualified', 'as', 'hiding', '_',
]);

/** Modules a generated module imports, and the runtime's tree: no IDL module may take their names. */
const RESERVED_MODULES = new Set(['Prelude', 'Interop.Runtime', 'Interop.Runtime.Gen']);
const RESERVED_MODULE_PREFIXES = ['Interop.Runtime.', 'GHC.', 'Data.', 'Control.', 'System.', 'Foreign.'];

const ESCAPE = "'";

/** `LOW` → `Low`, `ULTRA_VIOLET` → `UltraViolet`; other names by the Pascal rule. */
function memberCase(name: string): string {
  return /^[A-Z0-9_]+$/.test(name) ? words(name).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') : pascalCase(name);
}

function override(annotations: Annotations | undefined): string | undefined {
  return annotations?.names?.['haskell'];
}

/** A Haskell identifier can begin with a letter or `_`; IDL names always do, but a `@name` may not. */
function lower(name: string): string {
  const out = camelCase(name);
  return KEYWORDS.has(out) ? out + ESCAPE : out;
}

function upper(name: string): string {
  return pascalCase(name);
}

/** `example.chat` → `Example.Chat` (each part in Pascal case), escaped away from library modules. */
export function hsModuleName(module: Module | string): string {
  const name = typeof module === 'string' ? module : module.name;
  let out = name.split('.').map((p) => upper(p)).join('.');
  while (RESERVED_MODULES.has(out) || RESERVED_MODULE_PREFIXES.some((p) => out.startsWith(p))) out += '_';
  return out;
}

/** `Example.Chat` → `Example/Chat.hs`. */
export function hsModulePath(module: Module): string {
  return hsModuleName(module).split('.').join('/') + '.hs';
}

/** `example.chat` → `Chat`: the stem of ChatClient, ChatHandlers, chatModule and the rest. */
export function moduleStem(module: Module): string {
  return upper(module.name.split('.').pop() ?? module.name);
}

/** Hands out names in one namespace: the first to ask keeps a name, later ones get `'` appended. */
class Namespace {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    let out = name;
    while (this.taken.has(out)) out += ESCAPE;
    this.taken.add(out);
    return out;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }
}

/** Every name one generated module defines. Keys are IDL names. */
export interface ModuleNames {
  module: string;
  /** Declared types (structs, errors, enums, unions, aliases), by IDL name. */
  types: Map<string, string>;
  /** Record fields, by `Type.field`. */
  fields: Map<string, string>;
  /** Enum member constructors by `Enum.MEMBER`, and each enum's unknown constructor by `Enum`. */
  members: Map<string, string>;
  unknown: Map<string, string>;
  /** Union case constructors by `Union.case`. */
  cases: Map<string, string>;
  /** The unwrapping field of each alias newtype (`unUserId`), by alias name. */
  unwrap: Map<string, string>;
  consts: Map<string, string>;
  /** Client record fields: one per function (by name) and `subscribe<Event>` (by `event:` + name). */
  client: Map<string, string>;
  /** Handler record fields (`handle<Fn>`), by function name. */
  handlers: Map<string, string>;
  /** Publisher record fields (`publish<Event>`), by event name. */
  publish: Map<string, string>;
  /** The module's API: types ChatClient, ChatHandlers, ChatEvents and values chatModule, …. */
  api: {
    clientType: string;
    handlersType: string;
    eventsType: string;
    moduleValue: string;
    clientValue: string;
    clientWithValue: string;
    handlersValue: string;
    serviceValue: string;
    eventsValue: string;
    codecsValue: string;
  };
}

const assigned = new WeakMap<Bundle, Map<string, ModuleNames>>();

/** The names of every module of the bundle, assigned once. */
export function bundleNames(bundle: Bundle): Map<string, ModuleNames> {
  let all = assigned.get(bundle);
  if (all === undefined) {
    all = new Map(bundle.modules.map((m) => [m.name, assignNames(m)]));
    assigned.set(bundle, all);
  }
  return all;
}

function assignNames(module: Module): ModuleNames {
  const typeNs = new Namespace();
  const ctorNs = new Namespace();
  const valueNs = new Namespace();
  const stem = moduleStem(module);

  // Types first: the IDL's own, then the module API's records.
  const types = new Map<string, string>();
  for (const d of module.types) types.set(d.name, typeNs.claim(override(d.annotations) ?? upper(d.name)));
  const clientType = typeNs.claim(`${stem}Client`);
  const handlersType = typeNs.claim(`${stem}Handlers`);
  const eventsType = typeNs.claim(`${stem}Events`);

  // Constructors: a record's and a newtype's constructor is its type's name; then enum members
  // (each enum's unknown constructor before its members), then union cases.
  for (const d of module.types) if (d.kind === 'struct' || d.kind === 'error' || d.kind === 'alias') ctorNs.claim(types.get(d.name)!);
  for (const t of [clientType, handlersType, eventsType]) ctorNs.claim(t);
  const members = new Map<string, string>();
  const unknown = new Map<string, string>();
  const cases = new Map<string, string>();
  for (const d of module.types) {
    const t = types.get(d.name)!;
    if (d.kind === 'enum') {
      unknown.set(d.name, ctorNs.claim(`${t}Unknown`));
      for (const m of d.members) members.set(`${d.name}.${m.name}`, ctorNs.claim(override(m.annotations) ?? t + memberCase(m.name)));
    } else if (d.kind === 'union') {
      for (const c of d.cases) cases.set(`${d.name}.${c.name}`, ctorNs.claim(override(c.annotations) ?? t + memberCase(c.name)));
    }
  }

  // Values: record fields (prefixed with their type), newtype unwrappers, constants, then the API.
  const fields = new Map<string, string>();
  const unwrap = new Map<string, string>();
  const prefix = (d: TypeDecl): string => camelCase(types.get(d.name)!);
  for (const d of module.types) {
    if (d.kind === 'struct' || d.kind === 'error') {
      for (const f of d.fields) {
        const name = override(f.annotations) ?? lower(prefix(d) + upper(f.name));
        fields.set(`${d.name}.${f.name}`, valueNs.claim(name));
      }
    } else if (d.kind === 'alias') {
      unwrap.set(d.name, valueNs.claim(`un${types.get(d.name)!}`));
    }
  }
  const consts = new Map<string, string>();
  for (const c of module.consts) consts.set(c.name, valueNs.claim(override(c.annotations) ?? lower(c.name)));
  const api = {
    clientType,
    handlersType,
    eventsType,
    moduleValue: valueNs.claim(lower(`${stem}Module`)),
    clientValue: valueNs.claim(lower(clientType)),
    clientWithValue: valueNs.claim(lower(`${clientType}With`)),
    handlersValue: valueNs.claim(lower(handlersType)),
    serviceValue: valueNs.claim(lower(`${stem}Service`)),
    eventsValue: valueNs.claim(lower(eventsType)),
    codecsValue: valueNs.claim(lower(`${stem}Codecs`)),
  };
  const client = new Map<string, string>();
  const handlers = new Map<string, string>();
  const publish = new Map<string, string>();
  for (const fn of module.functions) client.set(fn.name, valueNs.claim(override(fn.annotations) ?? lower(fn.name)));
  for (const ev of module.events) client.set(`event:${ev.name}`, valueNs.claim(lower(`subscribe_${ev.name}`)));
  for (const fn of module.functions) handlers.set(fn.name, valueNs.claim(lower(`handle_${fn.name}`)));
  for (const ev of module.events) publish.set(ev.name, valueNs.claim(lower(`publish_${ev.name}`)));
  return { module: module.name, types, fields, members, unknown, cases, unwrap, consts, client, handlers, publish, api };
}
