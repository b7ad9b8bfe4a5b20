// A small indenting code writer: generators build loops and conditions in TypeScript and append
// lines here, so templates stay logic-free. Prettier reformats the result once per file.

export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  /** Appends one line (or several, for a string containing newlines) at the current indent. */
  line(text = ''): this {
    for (const l of text.split('\n')) this.lines.push(l === '' ? '' : '  '.repeat(this.depth) + l);
    return this;
  }

  /** `open` line, the body indented one level, then `close` (`}` by default). */
  block(open: string, body: () => void, close = '}'): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    this.line(close);
    return this;
  }

  /** Appends the text of another writer at the current indent. */
  append(other: CodeWriter): this {
    for (const l of other.lines) this.line(l);
    return this;
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
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
