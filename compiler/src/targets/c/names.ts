// Naming policy of the C target, as data, and the one table every printed name comes from.
//
// Members (fields, parameters, union cases) live in their struct's or function's scope: they are
// snake_case, escaped with a trailing `_` when they are a C or C++ keyword, a macro or typedef
// of the standard headers, or a name the standard reserves (`errno`, `NULL`, `EOF`, `E2BIG`…).
// Module-level names carry the module's prefix (`example.chat` → `example_chat_`), so they never
// meet a keyword, but one module's declarations and what is derived from them (`ticked_publish`
// the function, and the publish stub of event `ticked`) can clash: `ModuleNames` assigns every
// module-level name of a module once, before anything is emitted, in a fixed order (the runtime's
// fixed names, types, containers, functions, events, constants, each in declaration order). A
// declaration whose names are taken gets `_2` (then `_3`…) after its base name, all its derived
// names with it. `@name(c = "…")` sets a base name.

import type { Annotations, Bundle, Module, TypeRef } from '../../ir/types.js';
import { pascalCase, snakeCase } from '../common/case.js';

/** C11 keywords, C++ keywords (headers are usable from C++), and macros and typedefs of the
 * standard headers that generated code includes or that programs commonly include beside it. */
// prettier-ignore
const RESERVED = new Set([
  // C11 (and C23's new keywords)
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', 'typeof', 'typeof_unqual', 'constexpr', 'nullptr',
  // C++
  'alignas', 'alignof', 'and', 'and_eq', 'asm', 'bitand', 'bitor', 'catch', 'class', 'compl',
  'concept', 'consteval', 'constinit', 'const_cast', 'co_await', 'co_return', 'co_yield', 'decltype',
  'delete', 'dynamic_cast', 'explicit', 'export', 'friend', 'mutable', 'namespace', 'new', 'noexcept',
  'not', 'not_eq', 'operator', 'or', 'or_eq', 'private', 'protected', 'public', 'reinterpret_cast',
  'requires', 'static_assert', 'static_cast', 'template', 'this', 'thread_local', 'throw', 'try',
  'typeid', 'typename', 'using', 'virtual', 'wchar_t', 'xor', 'xor_eq', 'char8_t', 'char16_t', 'char32_t',
  // object-like macros and typedefs of <stdbool.h> <stddef.h> <stdint.h> <stdalign.h> <stdarg.h>
  // <math.h> <errno.h> <assert.h> <stdio.h> <stdlib.h> <limits.h> <float.h> <complex.h> <time.h>
  'bool', 'true', 'false', 'NULL', 'offsetof', 'errno', 'assert', 'EOF', 'stdin', 'stdout', 'stderr',
  'noreturn', 'complex', 'imaginary', 'I', 'NAN', 'INFINITY', 'HUGE_VAL', 'HUGE_VALF', 'HUGE_VALL',
  'size_t', 'ptrdiff_t', 'max_align_t', 'va_list', 'FILE', 'fpos_t', 'div_t', 'ldiv_t', 'lldiv_t',
  'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t',
  'intptr_t', 'uintptr_t', 'intmax_t', 'uintmax_t', 'ssize_t', 'time_t', 'clock_t',
  'BUFSIZ', 'FILENAME_MAX', 'FOPEN_MAX', 'L_tmpnam', 'TMP_MAX', 'SEEK_SET', 'SEEK_CUR', 'SEEK_END',
  'EXIT_SUCCESS', 'EXIT_FAILURE', 'RAND_MAX', 'MB_CUR_MAX', 'MB_LEN_MAX', 'CHAR_BIT',
  'CLOCKS_PER_SEC', 'TIME_UTC', 'NDEBUG', 'WEOF',
  // predefined by gcc and clang outside strict ISO modes
  'unix', 'linux', 'i386',
]);

/** Names the C standard reserves to its headers by pattern (C11 7.31 "Future library directions"). */
const RESERVED_PATTERNS = [
  /^E[0-9A-Z]/, // <errno.h>
  /^(U?INT|INTMAX|UINTMAX|INTPTR|UINTPTR|PTRDIFF|SIZE|SIG_ATOMIC|WCHAR|WINT)\w*_(MIN|MAX|C|WIDTH)$/, // <stdint.h>
  /^(CHAR|SCHAR|UCHAR|SHRT|USHRT|INT|UINT|LONG|ULONG|LLONG|ULLONG)_(MIN|MAX|BIT)$/, // <limits.h>
  /^(FLT|DBL|LDBL|DECIMAL)_[A-Z]/, // <float.h>
  /^(PRI|SCN)[a-zX]/, // <inttypes.h>
  /^(FP|MATH|LC|ATOMIC|TIME)_[A-Z]/, // <math.h> <locale.h> <stdatomic.h> <time.h>
  /^SIG_?[A-Z]/, // <signal.h>
];

/** Reserved identifiers of C: `_` then a capital letter, or two underscores anywhere. */
function reservedPattern(name: string): boolean {
  return /^_[A-Z]/.test(name) || name.includes('__');
}

/** Member names a generated union uses itself: `which` and `as`. */
const UNION_MEMBERS = new Set(['which', 'as']);
/** Names a generated stub, handler or adapter uses beside the parameters. */
const PARAM_RESERVED = new Set(['client', 'opts', 'result', 'err', 'done', 'user', 'arena', 'impl', 'call', 'p']);

export type NameKind = 'field' | 'param' | 'case';

/**
 * The one escape rule. Identifiers the standard reserves (`_X…`, `…__…`) lose their underscores;
 * a name of a reserved family (`E2BIG`, `SIGINT`, `INT_MAX`: only reachable through `@name`, since
 * members are snake_case) is lower-cased, which takes it out of every family; a reserved word,
 * or a name the generated code uses in the same scope, gets `_` appended until it is free.
 * Enum members (`global`) are printed after their type's name, so only reserved words apply.
 */
export function escapeName(name: string, kind: NameKind | 'global'): string {
  let out = name;
  if (reservedPattern(out)) out = out.replace(/^_+/, '').replace(/__+/g, '_') || 'x';
  if (kind !== 'global' && RESERVED_PATTERNS.some((p) => p.test(out))) out = out.toLowerCase();
  while (RESERVED.has(out) || (kind === 'case' && UNION_MEMBERS.has(out)) || (kind === 'param' && PARAM_RESERVED.has(out))) {
    out += '_';
  }
  return out;
}

/** The C name of a member: snake_case, escaped. */
export function memberName(idlName: string, kind: NameKind, annotations?: Annotations): string {
  const override = annotations?.names?.['c'];
  return escapeName(override ?? snakeCase(idlName), kind);
}

/** `example.chat` → `example_chat`: the prefix of every module-level name. */
export function modulePrefix(module: Module | string): string {
  const name = typeof module === 'string' ? module : module.name;
  return name.split('.').map(snakeCase).join('_');
}

/** The files of a module: `example.chat` → `example_chat.h` and `example_chat.c`. */
export function moduleFileStem(module: Module | string): string {
  return modulePrefix(module);
}

/**
 * A type's C name from its module and IDL name alone, for targets built on the C target's code
 * (C++ converts to these structs). It is the name the table gives unless an `@name(c = …)` pins a
 * name that another declaration of the module also takes; with the bundle at hand, prefer
 * `namesOf(bundle, module).type(idlName)`, which is always the table's.
 */
export function typeName(module: string, idlName: string, annotations?: Annotations): string {
  return `${modulePrefix(module)}_${annotations?.names?.['c'] ?? pascalCase(idlName)}`;
}

/** Makes names unique within one scope by appending `_`; `taken` holds names already in use. */
export function uniqueNames(names: string[], taken: Set<string> = new Set()): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let out = n;
    while (seen.has(out) || taken.has(out)) out += '_';
    seen.add(out);
    return out;
  });
}

/** Suffixes a declaration's base name takes in generated code, per kind of declaration. */
const DERIVED = {
  type: ['', '_type', '_encode', '_decode', '_check', '_fields', '_cases', '_members'],
  function: ['', '_sync', '_params', '_params_type', '_params_fields', '_params_check', '_serve', '_throws', '_open', '_write', '_read', '_finish', '_send'],
  event: ['_subscribe', '_publish'],
  const: [''],
  container: [''],
} as const;

/** What a union case or enum member adds to its type's name: `<Type>_<member>`. */
function memberConst(typeName: string, member: string): string {
  return `${typeName}_${member}`;
}

/**
 * Every module-level name of one module, assigned in one pass. Build it with `namesOf`, which
 * caches one table per module of a bundle (imported types are named by their own module's table).
 */
export class ModuleNames {
  readonly prefix: string;
  private readonly taken = new Set<string>();
  private readonly types = new Map<string, string>();
  private readonly members = new Map<string, string[]>();
  private readonly functions = new Map<string, string>();
  private readonly events = new Map<string, string>();
  private readonly consts = new Map<string, string>();
  private readonly containers = new Map<string, string>();

  constructor(
    private readonly bundle: Bundle,
    readonly module: Module,
  ) {
    const p = (this.prefix = modulePrefix(module));
    for (const fixed of ['types', 'types_count', 'module', 'handlers', 'server', 'server_init', 'functions', 'events', 'imports', 'ir']) {
      this.taken.add(`${p}_${fixed}`);
    }
    for (const d of module.types) {
      const name = this.claim(`${p}_${d.annotations.names?.['c'] ?? pascalCase(d.name)}`, DERIVED.type);
      this.types.set(d.name, name);
    }
    // Enum members and union cases after every type, so a member never takes a type's own name.
    for (const d of module.types) {
      const name = this.types.get(d.name)!;
      if (d.kind === 'enum') {
        this.members.set(d.name, d.members.map((m) => this.claim(memberConst(name, escapeName(m.annotations.names?.['c'] ?? m.name, 'global')), [''])));
      } else if (d.kind === 'union') {
        const cases = uniqueNames(d.cases.map((c) => memberName(c.name, 'case', c.annotations)));
        this.members.set(d.name, cases.map((c) => this.claim(memberConst(name, c), [''])));
      }
    }
    for (const t of typeRefsOf(module)) this.container(t);
    for (const fn of module.functions) {
      const base = this.claim(`${p}_${fn.annotations.names?.['c'] ?? snakeCase(fn.name)}`, DERIVED.function);
      this.functions.set(fn.name, base);
    }
    for (const ev of module.events) this.events.set(ev.name, this.claim(`${p}_${ev.annotations.names?.['c'] ?? snakeCase(ev.name)}`, DERIVED.event));
    for (const k of module.consts) this.consts.set(k.name, this.claim(`${p}_${k.annotations.names?.['c'] ?? k.name}`, DERIVED.const));
  }

  /** Claims `base` plus its derived names, or the first `base_N` (N = 2, 3, …) whose names are all free. */
  private claim(base: string, derived: readonly string[]): string {
    const clean = base.replace(/__+/g, '_');
    let out = clean;
    for (let n = 2; derived.some((s) => this.taken.has(out + s)); n++) out = `${clean}_${n}`;
    for (const s of derived) this.taken.add(out + s);
    return out;
  }


  /** The C name of a type this module declares. */
  type(idlName: string): string {
    const n = this.types.get(idlName);
    if (n === undefined) throw new Error(`interopc c target: ${this.module.name} declares no type ${idlName}`);
    return n;
  }

  /** The constants of an enum's members or a union's cases, in declaration order. */
  memberConsts(idlName: string): string[] {
    return this.members.get(idlName) ?? [];
  }

  /** A function's base name: the async stub; `_sync`, `_params`, `_serve`… are derived from it. */
  fn(idlName: string): string {
    return this.functions.get(idlName)!;
  }

  /** An event's base name: `_subscribe` and `_publish` are derived from it. */
  event(idlName: string): string {
    return this.events.get(idlName)!;
  }

  constant(idlName: string): string {
    return this.consts.get(idlName)!;
  }

  /** The C type name of a list, map or optional this module declares a typedef for. */
  containerName(t: TypeRef): string {
    const n = this.containers.get(shapeKey(t));
    if (n === undefined) throw new Error(`interopc c target: ${this.module.name} declares no container ${shapeKey(t)}`);
    return n;
  }

  /** A name for the shape of a type: `list_map_string_i32`. */
  shape(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return t.name;
      case 'ref': {
        if (t.module !== this.module.name) return namesOf(this.bundle, t.module).type(t.name);
        return this.type(t.name).slice(this.prefix.length + 1);
      }
      case 'list': return `list_${this.shape(t.element)}`;
      case 'map': return `map_${this.shape(t.key)}_${this.shape(t.value)}`;
      case 'optional': return `opt_${this.shape(t.inner)}`;
    }
  }

  /** Claims the typedef name of a container the module declares (lists and optionals of scalars
   * are the runtime's, an optional struct or union is a pointer). */
  private container(t: TypeRef): void {
    if (t.kind === 'scalar' || t.kind === 'ref') return;
    if (t.kind === 'list') this.container(t.element);
    if (t.kind === 'map') this.container(t.key), this.container(t.value);
    if (t.kind === 'optional') this.container(t.inner);
    const key = shapeKey(t);
    if (this.containers.has(key) || !declaresTypedef(t)) return;
    this.containers.set(key, this.claim(`${this.prefix}_${this.shape(t)}`, DERIVED.container));
  }
}

/** Whether a module declares a typedef for this container (else it is the runtime's, or a pointer). */
export function declaresTypedef(t: TypeRef): boolean {
  if (t.kind === 'list') return t.element.kind !== 'scalar';
  if (t.kind === 'optional') return t.inner.kind !== 'scalar' && !isAggregateRef(t.inner);
  return t.kind === 'map';
}

/** A struct, error or union: held by pointer when optional (it may contain itself that way). */
export function isAggregateRef(t: TypeRef): boolean {
  return t.kind === 'ref' && (t.declKind === 'struct' || t.declKind === 'union' || t.declKind === 'error');
}

/** A structural key of a type expression (aliases ignored): equal shapes, equal keys. */
export function shapeKey(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar': return t.name;
    case 'ref': return `${t.module}.${t.name}`;
    case 'list': return `list<${shapeKey(t.element)}>`;
    case 'map': return `map<${shapeKey(t.key)},${shapeKey(t.value)}>`;
    case 'optional': return `opt<${shapeKey(t.inner)}>`;
  }
}

/** Every type expression the module's declarations use, in declaration order. */
function typeRefsOf(m: Module): TypeRef[] {
  const out: TypeRef[] = [];
  for (const d of m.types) {
    if (d.kind === 'struct' || d.kind === 'error') out.push(...d.fields.map((f) => f.type));
    else if (d.kind === 'union') out.push(...d.cases.flatMap((c) => (c.type ? [c.type] : [])));
    else if (d.kind === 'alias') out.push(d.type);
  }
  for (const fn of m.functions) {
    out.push(...fn.params.map((p) => p.type), ...(fn.result ? [fn.result] : []));
    out.push(...(fn.input ? [fn.input.type] : []), ...(fn.output ? [fn.output] : []));
  }
  for (const ev of m.events) if (ev.payload) out.push(ev.payload);
  for (const k of m.consts) out.push(k.type);
  return out;
}

const tables = new WeakMap<Bundle, Map<string, ModuleNames>>();

/** The names table of a module of the bundle (built once). */
export function namesOf(bundle: Bundle, moduleName: string): ModuleNames {
  let byModule = tables.get(bundle);
  if (!byModule) tables.set(bundle, (byModule = new Map()));
  let t = byModule.get(moduleName);
  if (!t) {
    const m = bundle.modules.find((x) => x.name === moduleName);
    if (!m) throw new Error(`interopc c target: unknown module ${moduleName}`);
    t = new ModuleNames(bundle, m);
    byModule.set(moduleName, t);
  }
  return t;
}
