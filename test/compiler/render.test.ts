// renderDiagnostics: rustc-style text (source line, carets, hint, related notes, summary) and the
// JSON document (stable key order, sorted), on hand-made diagnostics and on real parser output.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../compiler/src/frontend/diagnostic.js';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { renderDiagnostics } from '../../compiler/src/frontend/render.js';

const FILE = 'schemas/chat.interop';
const SOURCE = 'module chat version "1";\nstruct A {\n  1: id: u64;\n  2: name: string\n}\n';

function diag(code: string, line: number, col: number, endCol: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code, severity: 'error', message: `message ${code}`, span: { file: FILE, line, col, endLine: line, endCol }, ...extra };
}

const sources = new Map([[FILE, SOURCE]]);

describe('renderDiagnostics: text', () => {
  it('renders a parser diagnostic like rustc', () => {
    const { diagnostics } = parseFile(SOURCE, FILE);
    expect(renderDiagnostics(diagnostics, sources, { format: 'text' })).toBe(
      [
        "error[E0104]: expected ';' after field declaration, found '}'",
        ' --> schemas/chat.interop:4:18',
        '  |',
        '4 |   2: name: string',
        '  |                  ^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  it('underlines the whole span, shows the hint and related notes, and sorts', () => {
    const ds = [
      diag('E0202', 3, 3, 5, { hint: 'rename one', related: [{ message: 'first declared here', span: { file: FILE, line: 2, col: 8, endLine: 2, endCol: 9 } }] }),
      diag('E0101', 1, 8, 12),
    ];
    expect(renderDiagnostics(ds, sources, { format: 'text' })).toBe(
      [
        'error[E0101]: message E0101',
        ' --> schemas/chat.interop:1:8',
        '  |',
        '1 | module chat version "1";',
        '  |        ^^^^',
        '',
        'error[E0202]: message E0202',
        ' --> schemas/chat.interop:3:3',
        '  |',
        '3 |   1: id: u64;',
        '  |   ^^',
        '  = hint: rename one',
        'note: first declared here',
        ' --> schemas/chat.interop:2:8',
        '  |',
        '2 | struct A {',
        '  |        ^',
        '',
        '2 errors',
        '',
      ].join('\n'),
    );
  });

  it('widens the gutter for long line numbers and counts warnings apart', () => {
    const text = `${'\n'.repeat(11)}struct Z {}\n`;
    const out = renderDiagnostics(
      [{ code: 'E0999', severity: 'warning', message: 'w', span: { file: 'z', line: 12, col: 8, endLine: 12, endCol: 9 } }, { ...diag('E0101', 1, 1, 2), span: { file: 'z', line: 1, col: 1, endLine: 1, endCol: 1 } }],
      new Map([['z', text]]),
      { format: 'text' },
    );
    expect(out).toContain('warning[E0999]: w\n  --> z:12:8\n   |\n12 | struct Z {}\n   |        ^\n');
    expect(out.endsWith('\n1 error, 1 warning\n')).toBe(true);
  });

  it('carets a multi-line span to the end of its first line, and handles tabs', () => {
    const src = 'module m version "1";\n\tstruct A {\n}\n';
    const out = renderDiagnostics(
      [{ ...diag('E0103', 2, 2, 2), span: { file: 't', line: 2, col: 2, endLine: 3, endCol: 2 } }],
      new Map([['t', src]]),
      { format: 'text' },
    );
    expect(out).toContain('2 |     struct A {\n  |     ^^^^^^^^^^\n');
  });

  it('prints only the location when the source is unknown', () => {
    expect(renderDiagnostics([diag('E0205', 9, 1, 5)], new Map(), { format: 'text' })).toBe(
      'error[E0205]: message E0205\n --> schemas/chat.interop:9:1\n\n1 error\n',
    );
  });

  it('colors only when asked', () => {
    const plain = renderDiagnostics([diag('E0101', 1, 1, 2)], sources, { format: 'text', color: false });
    const colored = renderDiagnostics([diag('E0101', 1, 1, 2)], sources, { format: 'text', color: true });
    expect(plain).not.toContain('\u001b[');
    expect(colored).toContain('\u001b[1;31merror[E0101]\u001b[0m');
    expect(colored.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('renders nothing for no diagnostics', () => {
    expect(renderDiagnostics([], sources, { format: 'text' })).toBe('');
  });
});

describe('renderDiagnostics: json', () => {
  it('prints one document with a stable key order, sorted by file, line and column', () => {
    const ds: Diagnostic[] = [
      diag('E0104', 4, 18, 18),
      { ...diag('E0101', 1, 1, 2), span: { file: 'a.interop', line: 7, col: 1, endLine: 7, endCol: 2 } },
      diag('E0112', 2, 10, 11, { hint: 'close it', related: [{ message: 'opened here', span: { file: FILE, line: 2, col: 10, endLine: 2, endCol: 11 } }] }),
    ];
    const out = renderDiagnostics(ds, sources, { format: 'json' });
    const doc = JSON.parse(out) as { diagnostics: Array<Record<string, unknown>> };
    expect(doc.diagnostics.map((d) => d.code)).toEqual(['E0101', 'E0112', 'E0104']);
    expect(Object.keys(doc.diagnostics[0]!)).toEqual(['code', 'severity', 'message', 'file', 'line', 'col', 'endLine', 'endCol', 'hint', 'related']);
    expect(doc.diagnostics[0]).toMatchObject({ file: 'a.interop', hint: null, related: [] });
    expect(doc.diagnostics[1]).toEqual({
      code: 'E0112', severity: 'error', message: 'message E0112', file: FILE, line: 2, col: 10, endLine: 2, endCol: 11,
      hint: 'close it', related: [{ message: 'opened here', file: FILE, line: 2, col: 10, endLine: 2, endCol: 11 }],
    });
    expect(out.endsWith('}\n')).toBe(true);
    expect(renderDiagnostics([], sources, { format: 'json' })).toBe('{\n  "diagnostics": []\n}\n');
  });
});
