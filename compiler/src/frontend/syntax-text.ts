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
        if (isInvisible(cp)) {
          out += `\\u{${cp.toString(16)}}`;
        } else {
          out += ch;
        }
    }
  }
  return out + '"';
}

/**
 * Characters written as `\u{...}` so they stay visible in source: controls, separators, and
 * invisible formatting characters (zero-width, bidirectional overrides, BOM, soft hyphen, nbsp).
 */
function isInvisible(cp: number): boolean {
  return (
    cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad ||
    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff
  );
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
