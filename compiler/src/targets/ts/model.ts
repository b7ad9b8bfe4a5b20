// Every name the TypeScript target prints for one module, assigned once before anything is
// emitted (see names.ts for the policy). Emitters only look names up here.

import type { Bundle, Module, TypeDecl } from '../../ir/types.js';
import { moduleFileName, moduleStem, tsName, uniqueNames } from './names.js';

export interface FunctionNames {
  /** Method on the client and on the handlers interface. */
  method: string;
  params: string[];
  /** The stream parameter of a client or bidirectional stream (after `params`). */
  input?: string;
}

export interface EventNames {
  /** Method on the publisher. */
  publish: string;
  /** `on<Event>` method on the client. */
  subscribe: string;
}

export interface ModuleNames {
  file: string;
  descriptor: string;
  client: string;
  handlers: string;
  publisher: string;
  types: Map<string, string>;
  consts: Map<string, string>;
  /** Struct and error field names, by declaration name then field name. */
  fields: Map<string, Map<string, string>>;
  enumMembers: Map<string, Map<string, string>>;
  functions: Map<string, FunctionNames>;
  events: Map<string, EventNames>;
  /** Namespace under which this module imports each other module it uses. */
  imports: Map<string, string>;
}

export function assignNames(bundle: Bundle): Map<string, ModuleNames> {
  const out = new Map<string, ModuleNames>();
  for (const m of bundle.modules) out.set(m.name, assignModule(m, bundle));
  return out;
}

function assignModule(m: Module, bundle: Bundle): ModuleNames {
  // Top-level identifiers share one scope: types, constants, the four module-level classes and
  // the namespaces of imported modules. Types come first so a user's type keeps its natural name.
  const typeNames = uniqueNames(m.types.map((t) => tsName(t.name, 'type', t.annotations)));
  const constNames = uniqueNames(
    m.consts.map((c) => tsName(c.name, 'const', c.annotations)),
    typeNames,
  );
  const stem = moduleStem(m);
  const [descriptor, client, handlers, publisher] = uniqueNames(
    [`${stem}Module`, `${stem}Client`, `${stem}Handlers`, `${stem}Publisher`],
    [...typeNames, ...constNames],
  ) as [string, string, string, string];
  const others = bundle.modules.filter((o) => o.name !== m.name).map((o) => o.name);
  const importNames = uniqueNames(
    others.map((name) => tsName(name.split('.').pop() ?? name, 'namespace')),
    [...typeNames, ...constNames, descriptor, client, handlers, publisher],
  );

  const fields = new Map<string, Map<string, string>>();
  const enumMembers = new Map<string, Map<string, string>>();
  for (const t of m.types) {
    if (t.kind === 'struct' || t.kind === 'error') fields.set(t.name, fieldNames(t));
    if (t.kind === 'enum') {
      const names = uniqueNames(t.members.map((e) => tsName(e.name, 'enumMember', e.annotations)));
      enumMembers.set(t.name, new Map(t.members.map((e, i) => [e.name, names[i]!])));
    }
  }

  // Client methods: functions and `on<Event>` subscriptions share the class's scope.
  const fnMethods = uniqueNames(m.functions.map((f) => tsName(f.name, 'function', f.annotations)));
  const subscribe = uniqueNames(
    m.events.map((e) => `on${capitalize(tsName(e.name, 'event', e.annotations))}`),
    fnMethods,
  );
  const publish = uniqueNames(m.events.map((e) => tsName(e.name, 'event', e.annotations)));
  const topLevel = new Set([...typeNames, ...constNames, descriptor]);
  const functions = new Map<string, FunctionNames>(
    m.functions.map((f, i) => {
      const all = f.input === undefined ? f.params : [...f.params, f.input];
      const params = uniqueNames(
        all.map((p) => tsName(p.name, 'param', p.annotations)),
        topLevel,
      );
      const names: FunctionNames = { method: fnMethods[i]!, params: params.slice(0, f.params.length) };
      if (f.input !== undefined) names.input = params[f.params.length]!;
      return [f.name, names];
    }),
  );
  const events = new Map<string, EventNames>(
    m.events.map((e, i) => [e.name, { publish: publish[i]!, subscribe: subscribe[i]! }]),
  );

  return {
    file: moduleFileName(m.name),
    descriptor,
    client,
    handlers,
    publisher,
    types: new Map(m.types.map((t, i) => [t.name, typeNames[i]!])),
    consts: new Map(m.consts.map((c, i) => [c.name, constNames[i]!])),
    fields,
    enumMembers,
    functions,
    events,
    imports: new Map(others.map((name, i) => [name, importNames[i]!])),
  };
}

function fieldNames(t: Extract<TypeDecl, { kind: 'struct' | 'error' }>): Map<string, string> {
  const kind = t.kind === 'error' ? 'errorField' : 'field';
  const names = uniqueNames(t.fields.map((f) => tsName(f.name, kind, f.annotations)));
  return new Map(t.fields.map((f, i) => [f.name, names[i]!]));
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
