// JSON text written by people (configs, `interop call` arguments): parsed with JSON.parse, and when
// that fails, the place is given as line and column. V8's messages give a character offset at best
// ("in JSON at position 412") and sometimes no place at all, so a small scanner walks the text
// again to find where it stops being JSON and why.

/** A JSON syntax error at a 1-based line and column. */
export class JsonTextError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly what: string,
  ) {
    super(`line ${line}, column ${column}: ${what}`);
    this.name = 'JsonTextError';
  }
}

/** JSON.parse, throwing JsonTextError (with line and column) for text that is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const found = locateSyntaxError(text);
    if (!found) throw error; // not a syntax error (e.g. nesting too deep for the engine)
    const before = text.slice(0, found.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    throw new JsonTextError(before.split('\n').length, found.offset - lineStart + 1, found.what);
  }
}

interface Found {
  offset: number;
  what: string;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** The offset of the first syntax error in `text` and what was expected there, or undefined if it is JSON. */
export function locateSyntaxError(text: string): Found | undefined {
  let i = 0;
  class Stop {
    constructor(readonly found: Found) {}
  }
  const fail = (what: string, at = i): never => {
    throw new Stop({ offset: at, what: at >= text.length ? `unexpected end of text (${what})` : what });
  };
  const ws = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('expected a value');
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail('a string is not closed');
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < ' ') fail('a control character (such as a line break) inside a string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by 4 hex digits');
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else fail('an unknown escape in a string');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail('a malformed number');
    i += m![0].length;
    if (i < text.length && /[0-9.eE+-]/.test(text[i]!)) fail('a malformed number');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail(c === "'" ? 'expected a value (strings take double quotes)' : 'expected a value');
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === '}') return void i++;
    for (;;) {
      ws();
      if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before "}" (JSON allows no trailing comma)' : 'expected a property name in double quotes');
      string();
      ws();
      if (text[i] !== ':') fail("expected ':' after the property name");
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') return void i++;
      fail("expected ',' or '}' after a property value");
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === ']') return void i++;
    for (;;) {
      ws();
      if (text[i] === ']') fail('a comma before "]" (JSON allows no trailing comma)');
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') return void i++;
      fail("expected ',' or ']' after an array element");
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (stop) {
    if (stop instanceof Stop) return stop.found;
    return undefined; // e.g. nesting too deep to walk
  }
}
