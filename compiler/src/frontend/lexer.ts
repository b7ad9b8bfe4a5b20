// The lexer: turns source text into parser tokens plus comment tokens, and reports every lexical
// problem (E0101, E0102, E0105, E0106, E0107) as a diagnostic. Malformed literals still become
// tokens of the right category so the parser carries on as if they were fine.

import { Lexer, type IToken } from 'chevrotain';
import type { Diagnostic } from './diagnostic.js';
import {
  LEXER_TOKENS,
  UnterminatedBlockComment,
  UnterminatedString,
  SingleQuotedString,
  StringLiteral,
  BadNumber,
} from './tokens.js';
import { tokenSpan } from './cst.js';

const lexer = new Lexer(LEXER_TOKENS, { positionTracking: 'full', ensureOptimizations: true });

export interface LexResult {
  tokens: IToken[];
  /** Comment tokens (doc, line and block), in source order. */
  comments: IToken[];
  diagnostics: Diagnostic[];
}

export function lex(text: string, file: string): LexResult {
  const result = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const err of result.errors) diagnostics.push(unexpectedCharacter(text, err, file));

  for (const tok of result.tokens) {
    if (tok.tokenType === UnterminatedString) {
      diagnostics.push({
        code: 'E0102',
        severity: 'error',
        message: 'unterminated string literal',
        span: tokenSpan(tok, file),
        hint: 'close the string with `"` before the end of the line; write a newline inside a string as `\\n`',
      });
    } else if (tok.tokenType === SingleQuotedString) {
      diagnostics.push({
        code: 'E0101',
        severity: 'error',
        message: "unexpected character `'`: strings are written in double quotes",
        span: tokenSpan(tok, file),
        hint: `write "${tok.image.slice(1, -1).replace(/"/g, '\\"')}"`,
      });
    } else if (tok.tokenType === BadNumber) {
      diagnostics.push(malformedNumber(tok, file));
    }
    if (tok.tokenType === StringLiteral || tok.tokenType === UnterminatedString || tok.tokenType === SingleQuotedString) {
      for (const e of decodeString(tok.image).errors) {
        const line = tok.startLine ?? 1;
        const col = (tok.startColumn ?? 1) + e.offset;
        diagnostics.push({
          code: 'E0106',
          severity: 'error',
          message: e.message,
          span: { file, line, col, endLine: line, endCol: col + e.length },
          hint: 'valid escapes are \\" \\\\ \\n \\r \\t \\0 and \\u{...} with 1 to 6 hex digits',
        });
      }
    }
  }
  for (const bad of result.groups['invalid'] ?? []) {
    diagnostics.push({
      code: 'E0101',
      severity: 'error',
      message: "unexpected character '#'",
      span: { ...tokenSpan(bad, file), endCol: (bad.startColumn ?? 1) + 1 },
      hint: 'comments start with `//`',
    });
  }
  const comments = result.groups['comments'] ?? [];
  for (const c of comments) {
    if (c.tokenType === UnterminatedBlockComment) {
      diagnostics.push({
        code: 'E0105',
        severity: 'error',
        message: 'unterminated block comment',
        span: { ...tokenSpan(c, file), endLine: c.startLine ?? 1, endCol: (c.startColumn ?? 1) + 2 },
        hint: 'close the comment with `*/`',
      });
    }
  }
  return { tokens: result.tokens, comments, diagnostics };
}

function unexpectedCharacter(
  text: string,
  err: { offset: number; line: number | undefined; column: number | undefined; length: number },
  file: string,
): Diagnostic {
  const bad = text.slice(err.offset, err.offset + err.length);
  const line = err.line ?? 1;
  const col = err.column ?? 1;
  const shown = [...bad].map(showChar).join('');
  const first = bad.codePointAt(0) ?? 0;
  let hint: string | undefined;
  if (bad.startsWith('"')) hint = 'a string ends with `"` on the line where it starts';
  else if (first > 0x7f && /\p{L}/u.test(bad)) hint = 'identifiers use ASCII letters, digits and `_` only';
  else if (first > 0x7f || first < 0x20) hint = 'remove this invisible or non-ASCII character';
  const many = [...bad].length > 1;
  return {
    code: 'E0101',
    severity: 'error',
    message: `unexpected character${many ? 's' : ''} '${shown}'`,
    span: { file, line, col, endLine: line, endCol: col + err.length },
    ...(hint ? { hint } : {}),
  };
}

function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || cp === 0xa0 || (cp >= 0x2000 && cp <= 0x200f) || cp === 0xfeff) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return ch;
}

function malformedNumber(tok: IToken, file: string): Diagnostic {
  const body = tok.image.replace(/^-/, '');
  let hint = 'integers are decimal (`42`) or hex (`0x2A`); floats look like `1.5`, `1e9` or `-2.5E-3`';
  if (/^0[0-9]+$/.test(body)) hint = 'leading zeros are not allowed (there are no octal literals); write `' + String(Number(body)) + '`';
  else if (/^0[xX]$/.test(body)) hint = 'a hex literal needs digits after `0x`';
  else if (/_/.test(body)) hint = 'digit separators (`_`) are not supported';
  else if (/^[0-9]+[A-Za-z_]/.test(body) && !/^0[xX]/.test(body) && !/[eE][+-]?[0-9]*$/.test(body)) {
    hint = 'names cannot start with a digit';
  }
  return {
    code: 'E0107',
    severity: 'error',
    message: `malformed number literal '${tok.image}'`,
    span: tokenSpan(tok, file),
    hint,
  };
}


export interface DecodeError {
  /** Offset of the bad escape within the token image. */
  offset: number;
  length: number;
  message: string;
}

/**
 * Decodes a string token image (with its quotes; the closing quote may be missing) into its value.
 * Invalid escapes are reported and dropped from the value.
 */
export function decodeString(image: string): { value: string; errors: DecodeError[] } {
  const quote = image[0] ?? '"';
  const end = image.length > 1 && image.endsWith(quote) && !isEscapedAt(image, image.length - 1) ? image.length - 1 : image.length;
  let value = '';
  const errors: DecodeError[] = [];
  let i = 1;
  while (i < end) {
    const ch = image[i]!;
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const esc = image[i + 1];
    const simple: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', '0': '\0' };
    if (quote === "'") simple["'"] = "'";
    if (esc !== undefined && esc in simple) {
      value += simple[esc];
      i += 2;
      continue;
    }
    if (esc === 'u') {
      const m = /^\\u\{([0-9a-fA-F]{1,6})\}/.exec(image.slice(i, end));
      if (m) {
        const cp = parseInt(m[1]!, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          errors.push({ offset: i, length: m[0].length, message: `\\u{${m[1]}} is not a Unicode scalar value` });
        } else {
          value += String.fromCodePoint(cp);
        }
        i += m[0].length;
        continue;
      }
      const close = image.indexOf('}', i);
      const len = close > 0 && close < end ? close - i + 1 : 2;
      errors.push({ offset: i, length: len, message: 'invalid unicode escape: expected `\\u{` then 1 to 6 hex digits then `}`' });
      i += len;
      continue;
    }
    if (esc === undefined) {
      errors.push({ offset: i, length: 1, message: 'a string cannot end with a lone `\\`' });
      break;
    }
    errors.push({ offset: i, length: 2, message: `unknown escape sequence '\\${esc}'` });
    i += 2;
  }
  return { value, errors };
}

function isEscapedAt(s: string, idx: number): boolean {
  let n = 0;
  for (let j = idx - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}
