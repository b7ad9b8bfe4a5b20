// Token types of the .interop language (see docs/idl.md, "Lexical structure").
//
// Keywords are their own token types but also belong to the `Name` category, so the parser can
// accept them wherever a member, parameter, case or enum-member name is allowed
// (`1: type: string;`). Literals that are malformed (unterminated strings, bad numbers) still lex
// as a token of the right category; the lexer reports them (lexer.ts) and parsing goes on, so one
// typo yields one diagnostic instead of a cascade.

import { createToken, Lexer, type TokenType, type CustomPatternMatcherReturn } from 'chevrotain';

// ---- categories (never produced by the lexer themselves) ----

/** Any identifier or keyword: what member, parameter, case and enum-member names may be. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
/** Integer literals: decimal, hex, and (with a diagnostic) malformed numbers. */
export const IntLit = createToken({ name: 'IntLit', pattern: Lexer.NA });
/** Double-quoted strings, terminated or not (and single-quoted ones, with a diagnostic). */
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA });

// ---- trivia ----

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\uFEFF]+/, // a byte order mark is whitespace too
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const DocComment = createToken({
  name: 'DocComment',
  pattern: /\/\/\/(?!\/)[^\r\n]*/,
  group: 'comments',
});
export const LineComment = createToken({
  name: 'LineComment',
  pattern: /\/\/[^\r\n]*/,
  group: 'comments',
});

/** Matches a `/* ... *\/` comment; `terminated` selects which of the two token types matches. */
function blockCommentMatcher(terminated: boolean) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    if (text.charCodeAt(offset) !== 0x2f || text.charCodeAt(offset + 1) !== 0x2a) return null;
    const close = text.indexOf('*/', offset + 2);
    if (terminated) return close < 0 ? null : [text.slice(offset, close + 2)];
    return close < 0 ? [text.slice(offset)] : null;
  };
}
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: { exec: blockCommentMatcher(true) },
  group: 'comments',
  line_breaks: true,
  start_chars_hint: ['/'],
});
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: { exec: blockCommentMatcher(false) },
  group: 'comments',
  line_breaks: true,
  start_chars_hint: ['/'],
});

/** `# ...` (shell/Python habit): reported as one bad character, and the line skipped. */
export const HashComment = createToken({
  name: 'HashComment',
  pattern: /#[^\r\n]*/,
  group: 'invalid',
});

// ---- literals ----

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLit],
});
/** A string that runs into the end of its line. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLit],
});
/** `'text'`: reported (strings use double quotes) and otherwise treated as a string. */
export const SingleQuotedString = createToken({
  name: 'SingleQuotedString',
  pattern: /'(?:[^'\\\r\n]|\\[^\r\n])*'/,
  categories: [StringLit],
});

export type NumberClass = 'dec' | 'hex' | 'float' | 'bad';

const DEC_RE = /^(?:0|[1-9][0-9]*)$/;
const HEX_RE = /^0[xX][0-9a-fA-F]+$/;
const FLOAT_RE = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)$/;

const isWordChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Scans the longest number-like run at `offset` (an optional `-`, a digit, then word characters,
 * `.digit` continuations and exponent signs) so that `12abc`, `0x`, `1.2.3` and `1e` are one
 * malformed token instead of several confusing ones. `10..20` still stops before `..`.
 */
export function scanNumber(text: string, offset: number): { image: string; cls: NumberClass } | null {
  let i = offset;
  if (text.charCodeAt(i) === 0x2d) i++;
  if (!isDigit(text.charCodeAt(i))) return null;
  const digitsStart = i;
  for (;;) {
    while (i < text.length && isWordChar(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      i++;
      const isExp = c === 0x65 || c === 0x45;
      const next = text.charCodeAt(i);
      const hex = /^[0-9]*0[xX]/.test(text.slice(digitsStart, i));
      if (isExp && !hex && (next === 0x2b || next === 0x2d) && isDigit(text.charCodeAt(i + 1))) i++;
    }
    if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    break;
  }
  const image = text.slice(offset, i);
  const body = text.slice(digitsStart, i);
  const cls: NumberClass = DEC_RE.test(body)
    ? 'dec'
    : HEX_RE.test(body)
      ? 'hex'
      : FLOAT_RE.test(body)
        ? 'float'
        : 'bad';
  return { image, cls };
}

function numberMatcher(want: NumberClass) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    const m = scanNumber(text, offset);
    return m && m.cls === want ? [m.image] : null;
  };
}
const NUMBER_START = ['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const FloatLiteral = createToken({
  name: 'FloatLiteral',
  pattern: { exec: numberMatcher('float') },
  start_chars_hint: NUMBER_START,
  line_breaks: false,
});
export const HexLiteral = createToken({
  name: 'HexLiteral',
  pattern: { exec: numberMatcher('hex') },
  start_chars_hint: NUMBER_START,
  line_breaks: false,
  categories: [IntLit],
});
export const DecLiteral = createToken({
  name: 'DecLiteral',
  pattern: { exec: numberMatcher('dec') },
  start_chars_hint: NUMBER_START,
  line_breaks: false,
  categories: [IntLit],
});
/** A malformed number (`12abc`, `0x`, `1.2.3`, `007`): reported, then parsed as an integer. */
export const BadNumber = createToken({
  name: 'BadNumber',
  pattern: { exec: numberMatcher('bad') },
  start_chars_hint: NUMBER_START,
  line_breaks: false,
  categories: [IntLit],
});

// ---- identifiers and keywords ----

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Name],
});

function keyword(word: string): TokenType {
  return createToken({
    name: `Kw_${word}`,
    label: `'${word}'`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Name],
  });
}

export const KEYWORDS = [
  'module', 'version', 'import', 'as', 'depends', 'const', 'type', 'enum', 'struct', 'union',
  'error', 'fn', 'oneway', 'event', 'throws', 'reserved', 'list', 'map', 'optional', 'stream',
  'true', 'false', 'none', 'nan', 'inf',
] as const;
export type Keyword = (typeof KEYWORDS)[number];

export const Kw = Object.fromEntries(KEYWORDS.map((w) => [w, keyword(w)])) as Record<Keyword, TokenType>;

// ---- punctuation ----

function punct(name: string, image: string, categories: TokenType[] = []): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\\-]/g, '\\$&');
  return createToken({ name, label: `'${image}'`, pattern: new RegExp(escaped), categories });
}

/**
 * What ends a struct field, union case or enum member: `;`, or `,` (accepted so a TypeScript-ish
 * `a: 1,` reads as one mistake; the AST builder reports it with E0104).
 */
export const Terminator = createToken({ name: 'Terminator', label: "';'", pattern: Lexer.NA });

export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LAngle = punct('LAngle', '<');
export const RAngle = punct('RAngle', '>');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Semi = punct('Semi', ';', [Terminator]);
export const Colon = punct('Colon', ':');
export const Comma = punct('Comma', ',', [Terminator]);
export const Equals = punct('Equals', '=');
export const Question = punct('Question', '?');
export const DotDot = punct('DotDot', '..');
export const Dot = punct('Dot', '.');
export const At = punct('At', '@');
export const Arrow = punct('Arrow', '->');
export const Minus = punct('Minus', '-');

/** Every token type the lexer can produce, in matching order (first match wins). */
export const LEXER_TOKENS: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  HashComment,
  StringLiteral,
  UnterminatedString,
  SingleQuotedString,
  FloatLiteral,
  HexLiteral,
  DecLiteral,
  BadNumber,
  ...KEYWORDS.map((w) => Kw[w]),
  Identifier,
  LCurly, RCurly, LParen, RParen, LAngle, RAngle, LBracket, RBracket,
  Semi, Colon, Comma, Equals, Question, DotDot, Dot, At, Arrow, Minus,
];

/** Every token type the parser knows, categories included. */
export const ALL_TOKENS: TokenType[] = [Name, IntLit, StringLit, Terminator, ...LEXER_TOKENS];

/** Tokens that begin a top-level declaration: where recovery resumes and unclosed bodies show. */
export const DECL_START_KEYWORDS: readonly Keyword[] = [
  'module', 'import', 'depends', 'const', 'type', 'enum', 'struct', 'union', 'error', 'fn',
  'oneway', 'event',
];
