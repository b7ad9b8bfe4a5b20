// The checker's diagnostic codes (E02xx..E05xx; the parser owns E01xx). Codes are stable: a code
// is never reused for another meaning. docs/errors.md documents each one with an example, and the
// invalid-schema corpus (test/schemas/invalid) has at least one file per code.

export const CHECKER_CODES = {
  // E02xx: names and imports
  E0200: 'cannot read input file',
  E0201: 'unknown type',
  E0202: 'duplicate declaration',
  E0203: 'duplicate member name',
  E0204: 'unknown module qualifier',
  E0205: 'import not found',
  E0206: 'import cycle',
  E0207: 'module declared twice',
  E0208: 'duplicate import',
  E0209: 'unknown constant or enum member name',
  E0210: 'type named like a scalar',
  E0211: 'not a type',
  E0212: 'not a value',
  E0213: 'duplicate enum member name',
  // E03xx: ids and reserved
  E0301: 'duplicate id',
  E0302: 'id out of range',
  E0303: 'id in the reserved range 19000..19999',
  E0304: 'enum value outside i32',
  E0305: 'duplicate enum value',
  E0306: 'reserved id used',
  E0307: 'reserved name used',
  E0308: 'enum value is not an integer',
  E0309: 'invalid reserved range',
  // E04xx: types and values
  E0401: 'invalid map key type',
  E0402: 'value out of range',
  E0403: 'value does not match the type',
  E0404: 'unknown enum member',
  E0405: 'none for a non-optional type',
  E0406: 'type contains itself by value',
  E0407: 'error type used as data',
  E0408: 'stream type outside a function result or last parameter',
  E0409: 'duplicate map key in a literal',
  E0410: 'alias refers to itself',
  E0411: 'constant refers to itself',
  E0412: 'optional of optional',
  E0413: 'no literal for this type',
  E0414: 'unknown annotation argument',
  E0415: 'invalid annotation argument',
  E0416: 'annotation repeated',
  E0417: 'empty enum or union',
  // E05xx: functions and events
  E0501: 'oneway function with a result',
  E0502: 'oneway function with throws',
  E0503: 'non-error type in throws',
  E0504: 'error type listed twice in throws',
  // E0505 ('streams are not supported yet') is retired: streams are supported.
  E0506: 'invalid stream parameter',
  E0507: 'oneway function with a stream parameter',
} as const;

export type CheckerCode = keyof typeof CHECKER_CODES;
