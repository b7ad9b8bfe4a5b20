// Every target names a module's source by its file name only (compiler/src/targets/common/header.ts):
// in the header and in the IR the generated code embeds (which a node serves as its manifest). So
// the output does not depend on how interopc was given the path, and nodes expose no build paths.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/src/frontend/compile.js';
import type { Bundle } from '../../compiler/src/ir/types.js';
import '../../compiler/src/targets/index.js';
import { listTargets } from '../../compiler/src/targets/registry.js';
import { repoRoot } from './corpus.mjs';

const root = repoRoot();
const SCHEMA = 'test/schemas/valid/chat.interop';
const INCLUDE = 'test/schemas/valid/include';

function bundle(file: string, include: string): Bundle {
  const r = compile([file], { includeDirs: [include] });
  if (r.bundle === undefined) throw new Error(JSON.stringify(r.diagnostics));
  return r.bundle;
}

describe('generated code names its source by file name only', () => {
  const absolute = bundle(path.join(root, SCHEMA), path.join(root, INCLUDE));
  const relative = bundle(path.relative(process.cwd(), path.join(root, SCHEMA)), path.relative(process.cwd(), path.join(root, INCLUDE)));

  for (const target of listTargets()) {
    it(`${target.id}: the same output for an absolute and a relative path, with no directory in it`, async () => {
      // The CLI passes the file names; a caller that passes none gets the same rule.
      const outputs = [];
      for (const b of [absolute, relative]) {
        for (const sourceNames of [Object.fromEntries(b.modules.map((m) => [m.name, path.basename(m.file)])), {}]) {
          const files = await target.generate(b, { sourceNames });
          outputs.push(files.map((f) => `=== ${f.path}\n${f.content}`).join('\n'));
        }
      }
      expect(new Set(outputs).size).toBe(1);
      const text = outputs[0]!;
      expect(text).toContain('chat.interop');
      expect(text).not.toContain('schemas/valid');
      expect(text).not.toContain(root);
    });
  }
});
