// The canonical formatter (`interopc fmt`): exact output for representative inputs, comment and
// doc preservation, blank-line rules, and idempotence on the schema corpus.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { formatFile } from '../../compiler/src/frontend/format.js';
import { stripSpans } from './arbitrary-schema.js';

function fmt(text: string): string {
  const r = parseFile(text, 'f.interop');
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code} ${d.message}`)).toEqual([]);
  return formatFile(r.ast);
}

describe('formatFile', () => {
  it('canonicalizes spacing, indentation and member layout', () => {
    const src = `module   a.b version "1.0.0" ;import "x.interop"as x;depends  a.c;
struct   Msg{1:id:u64;2 : text : string="";4:mood ?:Mood;reserved 9,10 .. 12,"old";}
enum Mood{HAPPY=1;SAD=-2;}
union Shape{1:circle:f64;3:empty;}
fn post(1:text:string,2:mood?:Mood)->Msg throws x.NotFound,Busy;oneway fn typing ( 1 : u : u64 ) ;
event cleared;event posted:Msg;
`;
    expect(fmt(src)).toBe(`module a.b version "1.0.0";

import "x.interop" as x;
depends a.c;

struct Msg {
  1: id: u64;
  2: text: string = "";
  4: mood?: Mood;
  reserved 9, 10..12, "old";
}

enum Mood {
  HAPPY = 1;
  SAD = -2;
}

union Shape {
  1: circle: f64;
  3: empty;
}

fn post(1: text: string, 2: mood?: Mood) -> Msg throws x.NotFound, Busy;
oneway fn typing(1: u: u64);
event cleared;
event posted: Msg;
`);
  });

  it('keeps every comment, doc comment and annotation', () => {
    const src = `// licence header

/// The module.
module m version "1"; // trailing on header
/* before A */
/// A's doc.
@name(ts = "Aa") @deprecated
struct A { // first member's
  /// x's doc.
  @deprecated("gone")
  1: x: i32; // on x
  /* multi
     line */
  2: y: list< /* inside type */ i32>;
  // inner, after the last member
}
struct Empty { /* only a comment */ }
// end of file
`;
    expect(fmt(src)).toBe(`// licence header

/// The module.
module m version "1"; // trailing on header

/* before A */
/// A's doc.
@name(ts = "Aa")
@deprecated
struct A {
  // first member's
  /// x's doc.
  @deprecated("gone")
  1: x: i32; // on x
  /* multi
     line */
  /* inside type */
  2: y: list<i32>;
  // inner, after the last member
}

struct Empty {
  /* only a comment */
}
// end of file
`);
  });

  it('keeps single blank lines inside bodies and between one-line declarations, drops the rest', () => {
    const src = 'module m version "1";\nconst A: u8 = 1;\nconst B: u8 = 2;\n\n\n\nconst C: u8 = 3;\nstruct S {\n\n  1: a: u8;\n\n\n  // group two\n  2: b: u8;\n  3: c: u8;\n\n}\nconst D: u8 = 4;\n';
    expect(fmt(src)).toBe('module m version "1";\n\nconst A: u8 = 1;\nconst B: u8 = 2;\n\nconst C: u8 = 3;\n\nstruct S {\n  1: a: u8;\n\n  // group two\n  2: b: u8;\n  3: c: u8;\n}\n\nconst D: u8 = 4;\n');
  });

  it('normalizes string escapes and keeps numbers as written', () => {
    const out = fmt('module m version "1";\nconst S: string = "tab\t\\u{41}\\u{1F600}\\u{7}\\u{200B}\\\\\\"";\nconst H: u32 = 0xFF;\nconst F: f64 = 1.5E3;\nconst N: f64 = - inf;\n');
    expect(out).toBe('module m version "1";\n\nconst S: string = "tab\\tA😀\\u{7}\\u{200b}\\\\\\"";\nconst H: u32 = 0xFF;\nconst F: f64 = 1.5E3;\nconst N: f64 = -inf;\n');
  });

  it('writes literal lists and maps canonically', () => {
    expect(fmt('module m version "1";\nconst L: list<u8> = [1,2,3,];\nconst M: map<string, u8> = {"a":1,"b":2};\nconst E: map<u8, u8> = {};\nconst Z: list<u8> = [ ];\n'))
      .toBe('module m version "1";\n\nconst L: list<u8> = [1, 2, 3];\nconst M: map<string, u8> = { "a": 1, "b": 2 };\nconst E: map<u8, u8> = {};\nconst Z: list<u8> = [];\n');
  });

  it('puts parameters one per line when they carry comments or docs, or the line is long', () => {
    expect(fmt('module m version "1";\nfn f(/// The id.\n 1: id: u64, @deprecated 2: old: string // legacy\n) -> u8;\n')).toBe(
      'module m version "1";\n\nfn f(\n  /// The id.\n  1: id: u64,\n  @deprecated 2: old: string, // legacy\n) -> u8;\n',
    );
    const long = `fn f(${Array.from({ length: 8 }, (_, i) => `${i + 1}: parameter_${i}: string`).join(', ')});`;
    expect(fmt(`module m version "1";\n${long}\n`)).toContain('fn f(\n  1: parameter_0: string,\n  2: parameter_1: string,');
    expect(fmt('module m version "1";\nfn g(@deprecated 1: a: u8);\n')).toContain('fn g(@deprecated 1: a: u8);');
  });

  it('writes empty bodies as {} and keeps name?: T apart from optional<T>', () => {
    expect(fmt('module m version "1";\nstruct E {\n}\nstruct O { 1: a?: u8; 2: b: optional<u8>; }\n')).toBe(
      'module m version "1";\n\nstruct E {}\n\nstruct O {\n  1: a?: u8;\n  2: b: optional<u8>;\n}\n',
    );
  });

  it('moves imports and depends above the declarations', () => {
    expect(fmt('module m version "1";\nstruct A {}\nimport "b.interop";\n')).toBe('module m version "1";\n\nimport "b.interop";\n\nstruct A {}\n');
  });

  const corpus = ['test/schemas/valid', 'test/schemas/valid/include', 'test/schemas/invalid'].flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith('.interop')).map((f) => `${dir}/${f}`),
  );

  it.each(corpus)('%s: idempotent and tree-preserving', (file) => {
    const r = parseFile(readFileSync(file, 'utf8'), file);
    if (r.diagnostics.length) return; // syntax-error fixtures are not formatted
    const once = formatFile(r.ast);
    const again = parseFile(once, file);
    expect(again.diagnostics).toEqual([]);
    expect(stripSpans(again.ast)).toEqual(stripSpans(r.ast));
    expect(formatFile(again.ast)).toBe(once);
  });
});
