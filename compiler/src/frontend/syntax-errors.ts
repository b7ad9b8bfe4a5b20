// Turns Chevrotain's parse errors into diagnostics that read well.
//
// The parser's error message provider only records *what* went wrong (as a small JSON payload
// in the exception's message); here, with the whole token stream at hand, each error gets a code
// (E0103 unexpected token, E0104 missing ';', E0112 unclosed delimiter), a span where a human
// would look (right after the previous token when the expected one is missing at a line end),
// a message naming the construct ("after field declaration") and, for the usual mistakes, a hint.

import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type { Diagnostic } from './diagnostic.js';
import { isReal, spanAfter, tokenSpan } from './cst.js';
import { DECL_START_KEYWORDS, UnterminatedString } from './tokens.js';

interface ErrorInfo {
  kind: 'mismatch' | 'redundant' | 'noViable' | 'earlyExit';
  rule: string;
  expected?: string[];
}

const encode = (info: ErrorInfo): string => JSON.stringify(info);
const firstNames = (paths: TokenType[][]): string[] => paths.map((p) => p[0]?.name ?? 'EOF');

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: (o) => encode({ kind: 'mismatch', rule: o.ruleName, expected: [o.expected.name] }),
  buildNotAllInputParsedMessage: (o) => encode({ kind: 'redundant', rule: o.ruleName }),
  buildNoViableAltMessage: (o) => encode({ kind: 'noViable', rule: o.ruleName, expected: o.expectedPathsPerAlt.flatMap(firstNames) }),
  buildEarlyExitMessage: (o) => encode({ kind: 'earlyExit', rule: o.ruleName, expected: firstNames(o.expectedIterationPaths) }),
};

const TOKEN_TEXT: Record<string, string> = {
  Semi: ';', Terminator: ';', Colon: ':', Comma: ',', Equals: '=', LCurly: '{', RCurly: '}', LParen: '(',
  RParen: ')', LAngle: '<', RAngle: '>', LBracket: '[', RBracket: ']', Question: '?', DotDot: '..', Dot: '.',
  At: '@', Arrow: '->', Minus: '-',
};

function expectedText(name: string): string {
  if (name in TOKEN_TEXT) return `'${TOKEN_TEXT[name]}'`;
  if (name.startsWith('Kw_')) return `'${name.slice(3)}'`;
  if (name === 'Identifier' || name === 'Name') return 'a name';
  if (name === 'StringLit') return 'a string';
  if (name === 'IntLit') return 'an integer';
  if (name === 'EOF') return 'end of file';
  return name;
}

export function foundText(t: IToken): string {
  if (t.tokenType.name === 'EOF' || !isReal(t)) return 'end of file';
  const img = t.image.length > 24 ? `${t.image.slice(0, 21)}...` : t.image;
  return `'${img}'`;
}

const CLOSERS: Record<string, { open: string; close: string }> = {
  RCurly: { open: '{', close: '}' },
  RParen: { open: '(', close: ')' },
  RAngle: { open: '<', close: '>' },
  RBracket: { open: '[', close: ']' },
};

/** What a member-level rule is, judged by the rules around it. */
function constructName(stack: string[]): string {
  const has = (r: string) => stack.includes(r);
  const last = stack[stack.length - 1] ?? 'file';
  if (has('annotation')) return 'annotation';
  if (has('param')) return 'parameter';
  if (has('reservedDecl')) return '`reserved` declaration';
  if (has('enumItem')) return 'enum member';
  if (has('bodyItem')) return has('unionDecl') ? 'union case' : 'field declaration';
  const names: Record<string, string> = {
    moduleHeader: 'module declaration', importDecl: 'import', dependsDecl: '`depends` declaration',
    aliasDecl: 'type alias', constDecl: 'constant', fnDecl: 'function declaration', eventDecl: 'event declaration',
    structDecl: 'struct', unionDecl: 'union', enumDecl: 'enum',
  };
  for (let i = stack.length - 1; i >= 0; i--) if (names[stack[i]!]) return names[stack[i]!]!;
  return last;
}

export const FOREIGN_KEYWORDS: Record<string, string> = {
  message: '`message` is protobuf; interop declares records with `struct`',
  service: 'interop has no `service` blocks: declare functions at the top level with `fn`',
  syntax: 'there is no `syntax` line; start the file with `module example.chat version "1.0.0";`',
  package: 'interop has no `package`: the module line names the module (`module example.chat version "1.0.0";`)',
  namespace: 'interop has no `namespace`: the module line names the module',
  option: 'interop has no `option`s; per-language settings are annotations such as `@name(ts = "X")`',
  include: 'Thrift `include` is `import "file.interop";` in interop',
  exception: 'Thrift `exception` is `error` in interop',
  typedef: 'Thrift `typedef T Name` is `type Name = T;` in interop',
  rpc: 'interop functions are declared with `fn name(1: arg: T) -> Result;`',
  interface: 'interop declares records with `struct`',
};

export interface SyntaxContext {
  file: string;
  tokens: IToken[];
  /** Drop errors found at the end of the file (after an unterminated block comment ate it). */
  ignoreEof?: boolean;
}

export function syntaxDiagnostics(errors: IRecognitionException[], ctx: SyntaxContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  if (errors.length === 0) return out;
  const indexByOffset = new Map<number, number>();
  ctx.tokens.forEach((t, i) => indexByOffset.set(t.startOffset, i));
  for (const e of errors) {
    const tok = e.token;
    const key = isReal(tok) && tok.tokenType.name !== 'EOF' ? tok.startOffset : -1;
    if (seen.has(key) || (key < 0 && ctx.ignoreEof)) continue;
    seen.add(key);
    const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
    if (prev && prev.tokenType === UnterminatedString) continue; // the string ate the rest of the line
    let info: ErrorInfo;
    try {
      info = JSON.parse(e.message) as ErrorInfo;
    } catch {
      info = { kind: 'redundant', rule: 'file' };
    }
    const idx = key >= 0 ? (indexByOffset.get(key) ?? ctx.tokens.length) : ctx.tokens.length;
    out.push(translate(info, tok, prev && isReal(prev) ? prev : undefined, e.context.ruleStack, idx, ctx));
  }
  return out;
}

function translate(info: ErrorInfo, tok: IToken, prev: IToken | undefined, stack: string[], idx: number, ctx: SyntaxContext): Diagnostic {
  const file = ctx.file;
  const found = foundText(tok);
  const atEof = found === 'end of file';
  const here: Span = atEof ? (prev ? spanAfter(tokenSpan(prev, file)) : { file, line: 1, col: 1, endLine: 1, endCol: 1 }) : tokenSpan(tok, file);
  // A missing token at the end of a line is shown right after the previous token.
  const missingAt: Span = prev && (atEof || (prev.endLine ?? 0) < (tok.startLine ?? 0)) ? spanAfter(tokenSpan(prev, file)) : here;
  const what = constructName(stack);
  const d = (code: string, message: string, span: Span, hint?: string, related?: Diagnostic['related']): Diagnostic => ({
    code, severity: 'error', message, span, ...(hint ? { hint } : {}), ...(related ? { related } : {}),
  });
  const foreign = FOREIGN_KEYWORDS[tok.image];
  const isDeclStart = (DECL_START_KEYWORDS as readonly string[]).includes(tok.image);
  if (tok.image === '}' && (info.kind === 'redundant' || (info.kind === 'mismatch' && info.expected?.[0] === 'EOF'))) {
    return d('E0103', "unmatched '}'", here, "this '}' closes nothing; remove it");
  }

  if (info.kind === 'mismatch') {
    const expected = info.expected?.[0] ?? '';
    if (expected === 'EOF') {
      if (tok.image === '}') return d('E0103', "unmatched '}'", here, "this '}' closes nothing; remove it");
      return d('E0103', `expected a declaration, found ${found}`, here, foreign ?? 'a declaration starts with module, import, depends, struct, enum, union, error, type, const, fn, oneway or event');
    }
    if (expected === 'Semi' || expected === 'Terminator') {
      let hint: string | undefined;
      if (tok.image === ',' ) hint = 'members end with `;`, not `,`';
      else if (tok.image === 'to') hint = 'reserved ranges are written `10..20`';
      else if (what === 'function declaration' && (tok.image === ':' || tok.image === '=')) hint = 'the result type follows `->`: `fn get(1: id: u64) -> User;`';
      else if (what === 'event declaration' && tok.image === '(') hint = 'an event carries one payload type: `event posted: Message;`';
      return d('E0104', `expected ';' after ${what}, found ${found}`, missingAt, hint);
    }
    const closer = CLOSERS[expected];
    const endsParams = closer?.close === ')' && ['->', ';', 'throws'].includes(tok.image);
    if (closer) return unclosed(closer, tok, found, atEof || isDeclStart || endsParams, what, here, missingAt, idx, ctx, d);
    return d('E0103', `expected ${expectedText(expected)}${afterWhat(info.rule, expected)}, found ${found}`, expected === 'Identifier' ? here : missingAt, mismatchHint(info.rule, expected, tok));
  }
  if (info.kind === 'noViable' || info.kind === 'earlyExit') {
    const rule = info.rule;
    const want =
      rule === 'typeExpr' || rule === 'genericType' ? 'a type'
        : rule === 'literal' ? 'a value'
          : rule === 'topItem' ? 'a declaration'
            : rule === 'bodyItem' ? (stack.includes('unionDecl') ? 'a union case or `reserved`' : 'a field or `reserved`')
              : rule === 'enumItem' ? 'an enum member or `reserved`'
                : rule === 'reservedItem' || rule === 'reservedDecl' ? 'an id, a range (`4..9`) or a quoted name'
                  : rule === 'fnDecl' ? 'an error type name'
                    : (info.expected ?? []).map(expectedText).join(' or ');
    let hint = foreign;
    if (!hint && tok.image === '}' && rule === 'topItem') hint = "this '}' closes nothing; remove it";
    if (!hint && rule === 'topItem') hint = 'a declaration starts with module, import, depends, struct, enum, union, error, type, const, fn, oneway or event';
    if (!hint && want === 'a type' && tok.image === '?') hint = 'mark an optional member with `?` after its name: `4: mood?: Mood;`';
    if (!hint && want === 'a value' && tok.tokenType.name === 'Minus') hint = 'write negative numbers without a space: `-5`';
    return d('E0103', `expected ${want}, found ${found}`, want === 'a type' || want === 'a value' ? missingAt : here, hint);
  }
  return d('E0103', `unexpected ${found}`, here, foreign);
}

function afterWhat(rule: string, expected: string): string {
  const table: Record<string, string> = {
    'moduleHeader:Kw_version': ' after the module name',
    'moduleHeader:StringLit': " after 'version'",
    'constDecl:Colon': ' after the constant name',
    'constDecl:Equals': " after the constant's type",
    'aliasDecl:Equals': ' after the alias name',
    'member:Colon': ' after the id',
    'importDecl:StringLit': " after 'import'",
    'importDecl:Identifier': " after 'as'",
    'genericType:LAngle': '',
    'structDecl:LCurly': ' after the struct name',
    'unionDecl:LCurly': ' after the union name',
    'enumDecl:LCurly': ' after the enum name',
    'fnDecl:LParen': ' after the function name',
    'fnDecl:Kw_fn': " after 'oneway'",
    'enumItem:Equals': ' after the enum member name',
  };
  return table[`${rule}:${expected}`] ?? '';
}

function mismatchHint(rule: string, expected: string, tok: IToken): string | undefined {
  if (expected === 'Identifier' && tok.tokenType.name.startsWith('Kw_')) {
    return `\`${tok.image}\` is a keyword; keywords can name members, parameters, cases and enum members, not declarations`;
  }
  const table: Record<string, string> = {
    'moduleHeader:Kw_version': 'the module line is `module example.chat version "1.0.0";`',
    'moduleHeader:StringLit': 'the version is a quoted string: `version "1.0.0"`',
    'constDecl:Colon': 'constants are typed: `const MAX: u32 = 4096;`',
    'constDecl:Equals': 'a constant needs a value: `const MAX: u32 = 4096;`',
    'aliasDecl:Equals': 'an alias is written `type UserId = u64;`',
    'member:Colon': 'members are written `1: name: string;`',
    'importDecl:StringLit': 'imports name a file: `import "common.interop";`',
    'genericType:LAngle': 'type arguments go in angle brackets: `list<T>`, `map<K, V>`, `optional<T>`; an optional member can also be written `name?: T`',
    'fnDecl:LParen': 'a function is written `fn name(1: arg: T) -> Result;`',
    'eventDecl:Identifier': 'an event is written `event name: Payload;`',
  };
  return table[`${rule}:${expected}`];
}

type Make = (code: string, message: string, span: Span, hint?: string, related?: Diagnostic['related']) => Diagnostic;

/** A closing delimiter is missing: name what it should close and point at the opener. */
function unclosed(
  closer: { open: string; close: string }, tok: IToken, found: string, looksUnclosed: boolean, what: string,
  here: Span, missingAt: Span, idx: number, ctx: SyntaxContext, d: Make,
): Diagnostic {
  let depth = 0;
  let opener: number | undefined;
  for (let i = Math.min(idx, ctx.tokens.length) - 1; i >= 0; i--) {
    const img = ctx.tokens[i]!.image;
    if (img === closer.close) depth++;
    else if (img === closer.open) {
      if (depth === 0) {
        opener = i;
        break;
      }
      depth--;
    }
  }
  const open = opener !== undefined ? ctx.tokens[opener] : undefined;
  const owner = open ? ownerOf(opener!, ctx.tokens) : undefined;
  const target = owner ?? (closer.close === '>' ? 'the type arguments' : closer.close === ']' ? 'the list' : `the '${closer.open}'`);
  const related = open ? [{ message: `'${closer.open}' opened here`, span: tokenSpan(open, ctx.file) }] : undefined;
  if (!looksUnclosed && closer.close === ')' && what === 'function declaration') {
    return d('E0103', `expected ',' or ')' after parameter, found ${found}`, missingAt, 'parameters are separated by `,`: `fn f(1: a: i32, 2: b: string)`');
  }
  if (!looksUnclosed && (closer.close === ']' || owner === 'the map value')) {
    const inside = closer.close === ']' ? 'list' : 'map';
    return d('E0103', `expected ',' or '${closer.close}' in the ${inside} value, found ${found}`, missingAt, `${inside} items are separated by \`,\``);
  }
  if (!looksUnclosed && closer.close === '}' && owner && !owner.startsWith('the map')) {
    const member = what === 'enum' ? 'an enum member' : what === 'union' ? 'a union case' : 'a field';
    return d('E0103', `unexpected ${found} in ${owner}`, here, `expected ${member}, \`reserved\` or '}'`);
  }
  const hint = closer.close === '}' && owner?.includes('`') ? `add '}' after the last member of ${owner}` : `add the missing '${closer.close}'`;
  return d('E0112', `expected '${closer.close}' to close ${target}, found ${found}`, missingAt, hint, related);
}

function ownerOf(openIdx: number, toks: IToken[]): string | undefined {
  const name = toks[openIdx - 1];
  const kw = toks[openIdx - 2];
  const open = toks[openIdx]!.image;
  if (open === '{' && name && kw && ['struct', 'error', 'enum', 'union'].includes(kw.image)) return `${kw.image} \`${name.image}\``;
  if (open === '(' && name && kw && kw.image === 'fn') return `the parameters of \`${name.image}\``;
  if (open === '(' && name && kw && kw.image === '@') return `the arguments of \`@${name.image}\``;
  if (open === '{') return 'the map value';
  return undefined;
}
