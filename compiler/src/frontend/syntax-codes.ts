// The parser's diagnostic codes (E01xx; the checker owns E02xx..E05xx, see ./codes.ts). Codes are
// stable: a code is never reused for another meaning. docs/errors.md documents each one.

export const SYNTAX_CODES = {
  E0101: 'unexpected character',
  E0102: 'unterminated string literal',
  E0103: 'unexpected token (expected something else)',
  E0104: "missing ';'",
  E0105: 'unterminated block comment',
  E0106: 'invalid escape sequence in a string',
  E0107: 'malformed number literal',
  E0108: 'missing, misplaced or repeated module declaration',
  E0109: 'member without an id',
  E0110: 'protobuf- or Thrift-style syntax (type before name, `repeated`, `required`, `1 to 5`)',
  E0111: 'misplaced `optional` or `?`',
  E0112: 'unclosed delimiter',
  E0113: 'not allowed here (annotation on import/depends/reserved, default on a union case)',
  E0114: 'enum member without a value',
  E0115: 'keyword used as a declaration name',
  E0116: 'type arguments on a type that takes none (`set<T>`, `Vec<T>`, `User<T>`)',
} as const;

export type SyntaxCode = keyof typeof SYNTAX_CODES;
