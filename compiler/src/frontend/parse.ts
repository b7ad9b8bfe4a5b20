// The syntax half of the front end: `parseFile` lexes, parses (with error recovery, so every
// syntax error in a file is reported), builds the AST and attaches comments. The checker runs on
// the returned AST even when there are diagnostics; see docs/errors.md for the E01xx codes.

import type { Diagnostic } from './diagnostic.js';
import type { FileNode } from './ast.js';
import { fixKeywordTypos } from './keyword-typos.js';
import { lex } from './lexer.js';
import { parser } from './parser.js';
import { syntaxDiagnostics } from './syntax-errors.js';
import { buildFile } from './ast-builder.js';
import { attachComments } from './comments.js';

export interface ParseResult {
  ast: FileNode;
  diagnostics: Diagnostic[];
}

export function parseFile(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const typos = fixKeywordTypos(lexed.tokens, file);
  parser.input = lexed.tokens;
  const cst = parser.file();
  // An unterminated block comment swallows the rest of the file: errors at its end are noise.
  const ignoreEof = lexed.diagnostics.some((d) => d.code === 'E0105');
  const syntax = syntaxDiagnostics(parser.errors, { file, tokens: lexed.tokens, ignoreEof });
  const ctx = { file, diagnostics: [] as Diagnostic[], lastSpan: { file, line: 1, col: 1, endLine: 1, endCol: 1 } };
  const { ast, root } = buildFile(cst, ctx, text.length);
  attachComments(root, lexed.comments, file);

  return { ast, diagnostics: sortDiagnostics([...lexed.diagnostics, ...typos, ...syntax, ...ctx.diagnostics]) };
}

/** Orders diagnostics by file, line, column, then code (stable for equal keys). */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.line - b.span.line ||
      a.span.col - b.span.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
