// Misspelt keywords (`strcut`, `modul`, `verison`, `throw`, `reserverd`) and the two declaration
// keywords people bring from protobuf and Thrift (`message`, `exception`). Before parsing, an
// identifier that stands where a keyword must, and that is close to the keyword that fits what
// follows it, is reported once (E0103, with "did you mean") and turned into that keyword, so the
// parser reads the declaration as meant: no cascade of errors about its body, and the names it
// declares exist for the checker.

import type { IToken, TokenType } from 'chevrotain';
import type { Diagnostic } from './diagnostic.js';
import { tokenSpan } from './cst.js';
import { closest } from './report.js';
import { FOREIGN_KEYWORDS } from './syntax-errors.js';
import * as T from './tokens.js';

const { Kw } = T;
type Keyword = T.Keyword;

/** Foreign keywords read as ours (their hint is FOREIGN_KEYWORDS'). */
const FOREIGN_DECLARATIONS: Record<string, Keyword> = { message: 'struct', exception: 'error' };

/** True when `t` is a token of `type` or of a type in that category (T.Name, T.StringLit...). */
function is(t: IToken | undefined, type: TokenType): boolean {
  return t !== undefined && (t.tokenType === type || (t.tokenType.CATEGORIES ?? []).includes(type));
}

/** What must follow each declaration keyword, so `strcut Message {` is read as a struct. */
function fitsAfter(keyword: Keyword, next: IToken | undefined, second: IToken | undefined): boolean {
  switch (keyword) {
    case 'module': case 'depends': return is(next, T.Identifier);
    case 'import': return is(next, T.StringLit);
    case 'oneway': return is(next, Kw.fn);
    case 'struct': case 'error': case 'enum': case 'union': return is(next, T.Name) && is(second, T.LCurly);
    case 'fn': return is(next, T.Name) && is(second, T.LParen);
    case 'type': return is(next, T.Name) && is(second, T.Equals);
    case 'const': return is(next, T.Name) && is(second, T.Colon);
    case 'event': return is(next, T.Name) && (is(second, T.Colon) || is(second, T.Semi));
    default: return false;
  }
}

/** Where the scan is: inside how many brackets, and what the current declaration looks like. */
interface Place {
  depth: number;
  /** At depth 0, the next token starts a declaration (or an annotation in front of one). */
  declStart: boolean;
  /** 1: just after a top-level `@`; 2: after the annotation's name. */
  annotation: 0 | 1 | 2;
  /** The keyword (or misspelling) that began the current top-level declaration. */
  opener?: string;
}

/**
 * Rewrites misspelt keywords in `tokens` (in place) and returns one diagnostic per rewrite.
 * Places looked at: the start of a top-level declaration; `version` in the module line; `throws`
 * after a function's parameters or result; `reserved` at the start of a member.
 */
export function fixKeywordTypos(tokens: IToken[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const place: Place = { depth: 0, declStart: true, annotation: 0 };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const meant = tok.tokenType === T.Identifier ? meantKeyword(tok, tokens[i - 1], tokens[i + 1], tokens[i + 2], place) : undefined;
    if (meant) {
      const foreign = FOREIGN_DECLARATIONS[tok.image] ? FOREIGN_KEYWORDS[tok.image] : undefined;
      out.push({
        code: 'E0103',
        severity: 'error',
        message: foreign ? `'${tok.image}' is not an interop keyword` : `'${tok.image}' is not a keyword`,
        span: tokenSpan(tok, file),
        hint: foreign ?? `did you mean \`${meant}\`?`,
      });
      tokens[i] = { ...tok, image: meant, tokenType: Kw[meant], tokenTypeIdx: Kw[meant].tokenTypeIdx! };
    }
    advance(place, tokens[i]!.image);
  }
  return out;
}

function advance(place: Place, image: string): void {
  if (place.depth === 0 && place.declStart) {
    if (image === '@') place.annotation = 1;
    else if (place.annotation === 1) place.annotation = 2;
    else if (!(place.annotation === 2 && image === '(')) {
      place.declStart = false;
      place.annotation = 0;
      place.opener = image;
    }
  }
  if (image === '{' || image === '(' || image === '[') place.depth++;
  else if ((image === '}' || image === ')' || image === ']') && place.depth > 0) place.depth--;
  if (place.depth === 0 && (image === ';' || image === '}')) place.declStart = true;
}

function meantKeyword(tok: IToken, prev: IToken | undefined, next: IToken | undefined, second: IToken | undefined, place: Place): Keyword | undefined {
  const guess = (candidates: readonly Keyword[]) => closest(tok.image, candidates) as Keyword | undefined;
  if (place.depth === 0 && place.declStart) {
    if (place.annotation === 1) return undefined; // an annotation's name
    const foreign = FOREIGN_DECLARATIONS[tok.image];
    if (foreign) return fitsAfter(foreign, next, second) ? foreign : undefined;
    return guess(T.DECL_START_KEYWORDS.filter((k) => fitsAfter(k, next, second)));
  }
  const opener = place.opener ?? '';
  if (place.depth === 0 && opener === 'module' && is(next, T.StringLit)) return guess(['version']);
  if (place.depth === 0 && (opener === 'fn' || opener === 'oneway') && is(next, T.Identifier) && (prev?.image === ')' || prev?.image === '>' || is(prev, T.Name))) {
    return guess(['throws']);
  }
  if (place.depth === 1 && ['struct', 'error', 'union', 'enum'].includes(opener) && ['{', ';', ','].includes(prev?.image ?? '') && (is(next, T.IntLit) || is(next, T.StringLit))) {
    return guess(['reserved']);
  }
  return undefined;
}
