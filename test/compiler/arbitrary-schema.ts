// Random *valid* .interop schemas for property tests, shared by the syntax tests (parse/format
// round trips) and the checker tests (IR equality after formatting).
//
// A schema is generated from a seed by a small deterministic PRNG, so fast-check can shrink the
// `size` and any failure is reproducible from its seed (`generateSchema(seed, { size })`). The
// schema is valid for the checker too: unique names and ids, types only refer to declarations
// above them (no cycles), values match their types, map keys are unique, reserved ids and names
// are never used, streams only where they may be, no optional<optional<T>>, oneway functions have no result/throws.
// The layout is random: whitespace, line and block comments between any two tokens, doc comments
// and annotations on declarations and members, keywords as member names.

import fc from 'fast-check';

export interface SchemaOptions {
  /** Roughly how many declarations (default 6). */
  size?: number;
  /** Comments between tokens (default true). */
  comments?: boolean;
  /** Random whitespace and line breaks between tokens (default true); else single spaces. */
  messyLayout?: boolean;
}

/** fast-check arbitrary of schema source texts. */
export function arbitrarySchema(opts: Omit<SchemaOptions, 'size'> = {}): fc.Arbitrary<string> {
  return fc
    .record({ seed: fc.integer(), size: fc.integer({ min: 0, max: 10 }) })
    .map(({ seed, size }) => generateSchema(seed, { ...opts, size }));
}

/** A syntax tree (or anything) without positions: `span` and `docSpan` keys are dropped. */
export function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'span' || k === 'docSpan' || v === undefined) continue;
      out[k] = stripSpans(v);
    }
    return out;
  }
  return value;
}

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  big(min: bigint, max: bigint): bigint {
    const span = max - min + 1n;
    let r = 0n;
    for (let i = 0; i < 5; i++) r = (r << 32n) | BigInt(Math.floor(this.next() * 4294967296));
    return min + (r % span);
  }
}

// ---- the model: just enough to keep the schema valid ----

type Ty =
  | { k: 'scalar'; name: string }
  | { k: 'ref'; name: string; decl: 'struct' | 'union' | 'enum'; members?: string[] }
  | { k: 'alias'; name: string; target: Ty }
  | { k: 'list'; el: Ty }
  | { k: 'map'; key: Ty; value: Ty }
  | { k: 'optional'; inner: Ty };

const INT_RANGES: Record<string, [bigint, bigint]> = {
  i8: [-128n, 127n], i16: [-32768n, 32767n], i32: [-(2n ** 31n), 2n ** 31n - 1n], i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u8: [0n, 255n], u16: [0n, 65535n], u32: [0n, 2n ** 32n - 1n], u64: [0n, 2n ** 64n - 1n],
};
const SCALARS = ['bool', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'string', 'bytes'];
const KEY_SCALARS = ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'string'];
/** Keywords are fine as member, parameter, case and enum-member names. */
const KEYWORD_NAMES = ['type', 'error', 'version', 'module', 'list', 'map', 'optional', 'stream', 'none', 'true', 'event', 'reserved', 'fn', 'as'];
const WORDS = ['id', 'name', 'text', 'count', 'value', 'items', 'author', 'mood', 'tags', 'payload', 'x', 'y', 'created_at', 'flag'];
const TYPE_WORDS = ['User', 'Message', 'Shape', 'Point', 'Config', 'Entry', 'Kind', 'State', 'Item', 'Node'];
const COMMENT_TEXTS = ['note', 'TODO: check', 'ünïcödé ✓', 'a // nested', 'x * y / z', 'see `foo`', ''];
const DOC_TEXTS = ['Does things.', 'A `code` span and **bold**.', '', '  indented line', 'Ünicode ✓ 😀', 'ends with a colon:'];

function resolve(t: Ty): Ty {
  return t.k === 'alias' ? resolve(t.target) : t;
}

class Gen {
  readonly types: Ty[] = [];
  readonly errors: string[] = [];
  private used = new Set<string>();
  constructor(readonly r: Rng) {}

  uniqueName(base: string): string {
    let n = base;
    for (let i = 2; this.used.has(n); i++) n = `${base}${i}`;
    this.used.add(n);
    return n;
  }

  type(depth = 0, opts: { noOptional?: boolean; valued?: boolean } = {}): Ty {
    const r = this.r;
    const choice = r.int(0, depth > 1 ? 3 : 7);
    if (choice <= 2 || this.types.length === 0 && choice === 3) {
      const name = r.pick(opts.valued ? SCALARS.filter((s) => s !== 'bytes') : SCALARS);
      return { k: 'scalar', name };
    }
    if (choice === 3) {
      const candidates = opts.valued ? this.types.filter((t) => this.valued(t)) : this.types;
      const t = candidates.length ? r.pick(candidates) : undefined;
      if (t && !(opts.noOptional && resolve(t).k === 'optional')) return t;
      return { k: 'scalar', name: 'string' };
    }
    if (choice === 4 || choice === 5) return { k: 'list', el: this.type(depth + 1, { valued: opts.valued }) };
    if (choice === 6) return { k: 'map', key: this.keyType(), value: this.type(depth + 1, { valued: opts.valued }) };
    if (opts.noOptional) return { k: 'scalar', name: 'u32' };
    return { k: 'optional', inner: this.type(depth + 1, { noOptional: true, valued: opts.valued }) };
  }

  keyType(): Ty {
    const enums = this.types.filter((t) => t.k === 'ref' && t.decl === 'enum');
    if (enums.length && this.r.chance(0.25)) return this.r.pick(enums);
    return { k: 'scalar', name: this.r.pick(KEY_SCALARS) };
  }

  valued(t: Ty): boolean {
    const x = resolve(t);
    switch (x.k) {
      case 'scalar': return x.name !== 'bytes';
      case 'ref': return x.decl === 'enum';
      case 'list': return this.valued(x.el);
      case 'map': return this.valued(x.key) && this.valued(x.value);
      case 'optional': return this.valued(x.inner);
      default: return false;
    }
  }

  /** A literal of type `t`, as a list of tokens. */
  value(t: Ty, depth = 0): string[] {
    const r = this.r;
    const x = resolve(t);
    switch (x.k) {
      case 'scalar': {
        if (x.name === 'bool') return [r.chance(0.5) ? 'true' : 'false'];
        if (x.name === 'string') return [stringLiteral(r)];
        if (x.name === 'f32' || x.name === 'f64') {
          const texts = ['1.5', '0.25', '1e9', '-2.5E-3', 'nan', '3', '-7', '100.0', '6.02e23'];
          if (r.chance(0.15)) return r.chance(0.5) ? ['inf'] : ['-', 'inf'];
          const v = r.pick(texts);
          return [x.name === 'f32' && v === '6.02e23' ? '6.5e3' : v];
        }
        const [min, max] = INT_RANGES[x.name]!;
        const v = r.chance(0.5) ? r.big(min, max) : BigInt(r.int(0, 10)) + (min < 0n ? -3n : 0n);
        if (v >= 0n && r.chance(0.3)) return [`0x${v.toString(16)}`];
        return [v.toString()];
      }
      case 'ref': return [x.name, '.', r.pick(x.members!)];
      case 'optional': return r.chance(0.3) ? ['none'] : this.value(x.inner, depth);
      case 'list': {
        const n = depth > 1 ? 0 : r.int(0, 3);
        return ['[', ...commaList(r, Array.from({ length: n }, () => this.value(x.el, depth + 1))), ']'];
      }
      case 'map': {
        const seen = new Set<string>();
        const entries: string[][] = [];
        for (let i = 0; i < (depth > 1 ? 0 : r.int(0, 3)); i++) {
          const k = this.value(x.key, depth + 1);
          const canon = canonicalKey(k);
          if (seen.has(canon)) continue;
          seen.add(canon);
          entries.push([...k, ':', ...this.value(x.value, depth + 1)]);
        }
        return ['{', ...commaList(r, entries), '}'];
      }
      default: return ['none'];
    }
  }
}

function canonicalKey(tokens: string[]): string {
  const t = tokens.join('');
  if (/^-?(0x[0-9a-f]+|[0-9]+)$/i.test(t)) {
    const neg = t.startsWith('-');
    const v = BigInt(neg ? t.slice(1) : t);
    return (neg ? -v : v).toString();
  }
  if (t.startsWith('"')) return JSON.stringify(decodeForKey(t));
  return t;
}

function decodeForKey(lit: string): string {
  return lit.slice(1, -1).replace(/\\u\{([0-9a-fA-F]+)\}|\\(.)/g, (_m, hex: string | undefined, c: string | undefined) =>
    hex !== undefined ? String.fromCodePoint(parseInt(hex, 16)) : ({ n: '\n', r: '\r', t: '\t', '0': '\0' } as Record<string, string>)[c!] ?? c!,
  );
}

function commaList(r: Rng, items: string[][]): string[] {
  const out: string[] = [];
  items.forEach((it, i) => {
    if (i > 0) out.push(',');
    out.push(...it);
  });
  if (items.length && r.chance(0.2)) out.push(',');
  return out;
}

/** Whether to write things only one way (decimal ids, minimal escapes), as the formatter does. */
let canonicalSpelling = false;

function stringLiteral(r: Rng): string {
  const pieces = ['a', 'b', 'hello', ' ', '"', '\\', '\n', '\t', '\r', '\0', 'é', '😀', '\u2028', '\u0007', '{', '}', 'Ω'];
  let s = '"';
  for (let i = r.int(0, 6); i > 0; i--) {
    for (const ch of r.pick(pieces)) {
      const cp = ch.codePointAt(0)!;
      const simple: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };
      if (simple[ch] && (ch !== '\t' || canonicalSpelling || r.chance(0.7))) s += simple[ch];
      else if (cp < 0x20 || cp === 0x2028 || (!canonicalSpelling && r.chance(0.1))) s += `\\u{${cp.toString(16)}}`;
      else s += ch;
    }
  }
  return `${s}"`;
}

function typeTokens(t: Ty): string[] {
  switch (t.k) {
    case 'scalar':
    case 'ref':
    case 'alias':
      return [t.name];
    case 'list': return ['list', '<', ...typeTokens(t.el), '>'];
    case 'optional': return ['optional', '<', ...typeTokens(t.inner), '>'];
    case 'map': return ['map', '<', ...typeTokens(t.key), ',', ...typeTokens(t.value), '>'];
  }
}

// ---- emitting tokens with random layout ----

type Piece = { tok: string } | { doc: string[] };

class Emitter {
  readonly pieces: Piece[] = [];
  tok(...ts: string[]): void {
    for (const t of ts) this.pieces.push({ tok: t });
  }
  doc(lines: string[]): void {
    this.pieces.push({ doc: lines });
  }
}

function trivia(r: Rng, opts: SchemaOptions): string {
  if (opts.messyLayout === false) return ' ';
  const ws = r.pick([' ', ' ', ' ', '\n', '\n  ', '\n\n', '\t', '  ', '\n    ']);
  if (opts.comments === false || !r.chance(0.08)) return ws;
  const text = r.pick(COMMENT_TEXTS);
  return r.chance(0.5) ? `${ws}// ${text}\n${r.pick(['', '  ', '\n'])}` : `${ws}/* ${text} */${r.pick([' ', '\n'])}`;
}

function render(e: Emitter, r: Rng, opts: SchemaOptions): string {
  let out = opts.messyLayout === false ? '' : r.pick(['', '\n', '// header comment\n\n']);
  for (const p of e.pieces) {
    if ('doc' in p) {
      out += `\n${p.doc.map((l) => (l === '' ? '///' : `/// ${l}`)).join('\n')}\n`;
    } else {
      if (out !== '' && !out.endsWith('\n')) out += trivia(r, opts);
      else if (out.endsWith('\n') && opts.messyLayout !== false) out += r.pick(['', '  ']);
      out += p.tok;
    }
  }
  return `${out}\n`;
}

// ---- the schema ----

export function generateSchema(seed: number, opts: SchemaOptions = {}): string {
  const r = new Rng(seed);
  const g = new Gen(r);
  canonicalSpelling = opts.messyLayout === false;
  const e = new Emitter();
  const size = opts.size ?? 6;

  const decorate = (where: 'decl' | 'member') => {
    if (r.chance(0.3)) e.doc(Array.from({ length: r.int(1, 3) }, () => r.pick(DOC_TEXTS)));
    if (r.chance(0.15)) e.tok('@', 'deprecated', ...(r.chance(0.5) ? ['(', stringLiteral(r), ')'] : []));
    if (r.chance(0.1)) e.tok('@', 'name', '(', 'ts', '=', '"Ts_name"', ...(r.chance(0.5) ? [',', 'python', '=', '"py_name"'] : []), ')');
    if (where === 'decl' && r.chance(0.08)) e.tok('@', 'since', '(', '"1.2"', ')');
  };

  if (r.chance(0.4)) e.doc(Array.from({ length: r.int(1, 2) }, () => r.pick(DOC_TEXTS)));
  e.tok('module', 'gen', '.', `m${r.int(0, 99)}`, 'version', `"${r.int(0, 3)}.${r.int(0, 9)}.${r.int(0, 9)}"`, ';');
  if (r.chance(0.3)) e.tok('depends', 'other', '.', 'module', ';');

  for (let i = 0; i < size; i++) {
    const kind = r.pick(['struct', 'struct', 'enum', 'union', 'error', 'alias', 'const', 'fn', 'fn', 'event']);
    decorate('decl');
    switch (kind) {
      case 'enum': {
        const name = g.uniqueName(r.pick(TYPE_WORDS) + 'Kind');
        e.tok('enum', name, '{');
        const members: string[] = [];
        const values = new Set<number>();
        for (let j = r.int(1, 4); j > 0; j--) {
          const m = r.chance(0.2) ? r.pick(KEYWORD_NAMES) : `M${r.int(0, 50)}`;
          if (members.includes(m)) continue;
          let v = r.chance(0.8) ? r.int(-5, 50) : r.int(-(2 ** 31), 2 ** 31 - 1);
          if (v >= 100000) v = 50;
          if (values.has(v)) continue;
          values.add(v);
          members.push(m);
          decorate('member');
          e.tok(m, '=', v >= 0 && r.chance(0.3) ? `0x${v.toString(16)}` : String(v), ';');
        }
        if (members.length === 0) {
          members.push('ZERO');
          e.tok('ZERO', '=', '0', ';');
        }
        if (r.chance(0.3)) e.tok('reserved', String(r.int(100000, 100010)), ',', '200000', '..', '200100', ',', '"OLD_MEMBER"', ';');
        e.tok('}');
        g.types.push({ k: 'ref', name, decl: 'enum', members });
        break;
      }
      case 'struct':
      case 'error':
      case 'union': {
        const name = g.uniqueName(r.pick(TYPE_WORDS) + (kind === 'error' ? 'Error' : ''));
        e.tok(kind, name, '{');
        const names = new Set<string>();
        const ids = new Set<number>();
        const count = r.int(kind === 'union' ? 1 : 0, 5);
        for (let j = 0; j < count; j++) {
          const m = r.chance(0.25) ? r.pick(KEYWORD_NAMES) : r.pick(WORDS);
          const id = r.chance(0.9) ? r.int(1, 60) : r.int(100000000, 536870911);
          if (names.has(m) || ids.has(id)) continue;
          names.add(m);
          ids.add(id);
          decorate('member');
          const idText = !canonicalSpelling && r.chance(0.1) ? `0x${id.toString(16)}` : String(id);
          if (kind === 'union') {
            if (r.chance(0.3)) e.tok(idText, ':', m, ';');
            else e.tok(idText, ':', m, ':', ...typeTokens(g.type(0, { noOptional: true })), ';');
            continue;
          }
          const mark = r.chance(0.25);
          const t = g.type(0, { noOptional: mark });
          e.tok(idText, ':', m, ...(mark ? ['?'] : []), ':', ...typeTokens(t));
          if (g.valued(t) && r.chance(0.3)) e.tok('=', ...g.value(t));
          e.tok(';');
        }
        if (kind === 'union' && ids.size === 0) e.tok('1', ':', 'only', ';');
        if (r.chance(0.3)) e.tok('reserved', String(r.int(1000, 1010)), ',', '2000', '..', '2010', ',', '"old_field"', ';');
        e.tok('}');
        if (kind === 'error') g.errors.push(name);
        else g.types.push({ k: 'ref', name, decl: kind });
        break;
      }
      case 'alias': {
        const name = g.uniqueName(r.pick(TYPE_WORDS) + 'Alias');
        const target = g.type(0, { noOptional: true });
        e.tok('type', name, '=', ...typeTokens(target), ';');
        g.types.push({ k: 'alias', name, target });
        break;
      }
      case 'const': {
        const name = g.uniqueName(`LIMIT_${r.int(0, 9)}`);
        const t = g.type(0, { valued: true });
        e.tok('const', name, ':', ...typeTokens(t), '=', ...g.value(t), ';');
        break;
      }
      case 'fn': {
        const oneway = r.chance(0.2);
        e.tok(...(oneway ? ['oneway'] : []), 'fn', g.uniqueName(r.pick(['get', 'put', 'list_items', 'ping', 'do_it'])), '(');
        const names = new Set<string>();
        const params: string[][] = [];
        for (let j = r.int(0, 3); j > 0; j--) {
          const m = r.chance(0.25) ? r.pick(KEYWORD_NAMES) : r.pick(WORDS);
          if (names.has(m)) continue;
          names.add(m);
          const mark = r.chance(0.2);
          params.push([String(params.length + 1), ':', m, ...(mark ? ['?'] : []), ':', ...typeTokens(g.type(0, { noOptional: mark }))]);
        }
        // Streams: sometimes a last stream parameter (a client stream), sometimes a stream result.
        if (!oneway && r.chance(0.15) && !names.has('chunks')) {
          params.push([String(params.length + 1), ':', 'chunks', ':', 'stream', '<', ...typeTokens(g.type()), '>']);
        }
        e.tok(...commaList(r, params), ')');
        if (!oneway && r.chance(0.15)) e.tok('->', 'stream', '<', ...typeTokens(g.type()), '>');
        else if (!oneway && r.chance(0.6)) e.tok('->', ...typeTokens(g.type()));
        if (!oneway && g.errors.length && r.chance(0.5)) {
          const errs = [...new Set([r.pick(g.errors), r.pick(g.errors)])];
          e.tok('throws', ...errs.flatMap((x, k) => (k ? [',', x] : [x])));
        }
        e.tok(';');
        break;
      }
      default: {
        e.tok('event', g.uniqueName(r.pick(['changed', 'posted', 'cleared', 'tick'])));
        if (r.chance(0.7)) e.tok(':', ...typeTokens(g.type()));
        e.tok(';');
      }
    }
  }
  return render(e, r, opts);
}
