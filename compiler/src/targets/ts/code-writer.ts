// A small indenting code writer: generators build loops and conditions in TypeScript and append
// lines here, so templates stay logic-free. The writer also knows the layout the output follows
// (prettier's, at 110 columns with single quotes), so generated files come out formatted and no
// formatter has to run over them (`interopc gen --format` still can).

/** The line width generated TypeScript is laid out for. */
export const PRINT_WIDTH = 110;

export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  /**
   * Appends one line (or several, for a string containing newlines) at the current indent. Blank
   * lines never come first, twice in a row, or (see block) before a closing brace.
   */
  line(text = ''): this {
    if (!text.includes('\n')) return this.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    for (const l of text.split('\n')) this.push(l === '' ? '' : '  '.repeat(this.depth) + l);
    return this;
  }

  private push(line: string): this {
    if (line === '' && (this.lines.length === 0 || this.lines[this.lines.length - 1] === '')) return this;
    this.lines.push(line);
    return this;
  }

  /** `open` line, the body indented one level, then `close` (`}` by default; null: no line). */
  block(open: string, body: () => void, close: string | null = '}'): this {
    this.line(open);
    const before = this.lines.length;
    this.indented(body);
    if (close === null) return this;
    if (this.lines.length > before && this.lines[this.lines.length - 1] === '') this.lines.pop();
    // An empty body: `{}` on the opener's line, as prettier prints it.
    if (this.lines.length === before && open.endsWith('{') && close.startsWith('}')) {
      this.lines[before - 1] += close;
      return this;
    }
    return this.line(close);
  }

  /** The body, indented one level. */
  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** `try { body } catch (e) { handler }`. */
  tryCatch(body: () => void, handler: string): this {
    this.block('try {', body, '} catch (e) {');
    this.indented(() => this.line(handler));
    return this.line('}');
  }

  /** `if (cond) { then } else { otherwise }`. */
  ifElse(cond: string, then: () => void, otherwise: () => void): this {
    this.block(`if (${cond}) {`, then, '} else {');
    this.indented(otherwise);
    return this.line('}');
  }

  /** Whether `text` fits on one line at the current indent. */
  fits(text: string): boolean {
    return this.depth * 2 + text.length <= PRINT_WIDTH;
  }

  /**
   * `head` + the items + `tail`, on one line if it fits (`flatOpen`/`flatClose` around the items,
   * `[`/`]` or `{ `/` }`), else one item per line with trailing commas. `head` ends with the opener
   * (`[`, `{` or `(`) and `tail` starts with the closer. `forceBreak`: as prettier does for a list of
   * several lists or objects.
   */
  list(head: string, items: string[], tail: string, opts: { spaced?: boolean; forceBreak?: boolean } = {}): this {
    const pad = opts.spaced && items.length > 0 ? ' ' : '';
    const flat = `${head}${pad}${items.join(', ')}${pad}${tail}`;
    if (items.length === 0 || (!opts.forceBreak && !flat.includes('\n') && this.fits(flat))) return this.line(flat);
    this.line(head);
    this.indented(() => {
      for (const item of items) this.line(`${item},`);
    });
    return this.line(tail);
  }

  /**
   * A call whose last argument is an object literal written by `body`: `head(args, {` on one line
   * when that fits (the object hugged), else every argument on its own line. `head` ends with `(`;
   * `tail` follows the `)` (e.g. `;`).
   */
  callWithObject(head: string, args: string[], body: () => void, tail: string): this {
    return this.callWithBlock(head, args, '{', body, tail);
  }

  /** As callWithObject, for a last argument that opens with `opener`: `{`, or `(a, b) => {`. */
  callWithBlock(head: string, args: string[], opener: string, body: () => void, tail: string): this {
    const first = `${head}${args.map((a) => `${a}, `).join('')}${opener}`;
    if (this.fits(first)) return this.block(first, body, `})${tail}`);
    this.line(head);
    this.indented(() => {
      for (const a of args) this.line(`${a},`);
      this.block(opener, body, '},');
    });
    return this.line(`)${tail}`);
  }

  /** Appends the text of another writer at the current indent. */
  append(other: CodeWriter): this {
    const pad = '  '.repeat(this.depth);
    for (const l of other.lines) this.push(l === '' || pad === '' ? l : pad + l);
    return this;
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  toString(): string {
    let end = this.lines.length;
    while (end > 0 && this.lines[end - 1] === '') end--;
    return this.lines.slice(0, end).join('\n') + '\n';
  }
}

/**
 * A TypeScript string literal, quoted as prettier quotes it: single quotes unless the text holds
 * more single than double quotes. Other escapes are JSON's.
 */
export function tsString(s: string): string {
  const json = JSON.stringify(s);
  if (s.includes("'") && count(s, "'") > count(s, '"')) return json;
  if (!s.includes('"') && !s.includes("'")) return `'${json.slice(1, -1)}'`;
  return `'${json.slice(1, -1).replace(/\\.|'/g, (m) => (m === '\\"' ? '"' : m === "'" ? "\\'" : m))}'`;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** A JSDoc block from a doc comment and extra tags; empty when there is nothing to say. */
export function jsdoc(doc: string | undefined, tags: string[] = []): string {
  const body: string[] = [];
  if (doc !== undefined && doc.trim() !== '') body.push(...doc.trimEnd().split('\n'));
  if (body.length > 0 && tags.length > 0) body.push('');
  body.push(...tags);
  if (body.length === 0) return '';
  // `*/` inside a doc comment would end the comment early.
  const safe = body.map((l) => l.replace(/\*\//g, '*\\/'));
  if (safe.length === 1) return `/** ${safe[0]} */`;
  return ['/**', ...safe.map((l) => (l === '' ? ' *' : ` * ${l}`)), ' */'].join('\n');
}
