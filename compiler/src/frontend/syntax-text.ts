// Canonical source text of the small pieces of syntax: strings, names, types and literal values.
// Shared by the formatter (format.ts) and by diagnostics that suggest a corrected line.

import type { Annotation, Literal, NameRef, TypeExpr } from './ast.js';

/** A string value as a canonical double-quoted literal: only `"`, `\` and controls are escaped. */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\0': out += '\\0'; break;
      default:
        // Other control characters and the invisible line/paragraph separators stay visible.
        if (cp < 0x20 || cp === 0x7f || cp === 0x2028 || cp === 0x2029 || (cp >= 0x80 && cp < 0xa0)) {
          out += `\\u{${cp.toString(16)}}`;
        } else {
          out += ch;
        }
    }
  }
  return out + '"';
}

export function nameRefText(ref: NameRef): string {
  return ref.parts.map((p) => p.text).join('.');
}

export function typeText(t: TypeExpr): string {
  switch (t.kind) {
    case 'named': return nameRefText(t.name);
    case 'list': return `list<${typeText(t.element)}>`;
    case 'optional': return `optional<${typeText(t.inner)}>`;
    case 'stream': return `stream<${typeText(t.element)}>`;
    case 'map': return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
  }
}

export function literalText(l: Literal): string {
  switch (l.kind) {
    case 'int':
    case 'float':
      return l.text;
    case 'string': return quoteString(l.value);
    case 'bool': return l.value ? 'true' : 'false';
    case 'none': return 'none';
    case 'name': return nameRefText(l.name);
    case 'list': return `[${l.items.map(literalText).join(', ')}]`;
    case 'map':
      return l.entries.length === 0
        ? '{}'
        : `{ ${l.entries.map((e) => `${literalText(e.key)}: ${literalText(e.value)}`).join(', ')} }`;
  }
}

export function annotationText(a: Annotation): string {
  if (a.args.length === 0) return `@${a.name.text}`;
  const args = a.args.map((arg) => (arg.key ? `${arg.key.text} = ` : '') + literalText(arg.value));
  return `@${a.name.text}(${args.join(', ')})`;
}
