// The checked-in TS goldens (test/goldens/ts/) equal what the generator produces now. After an
// intended change, run `npm run goldens` and review the diff.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TS_GOLDEN_DIR, renderTsGoldens } from './goldens.js';

describe('TS goldens', () => {
  it('match the generator output byte for byte (regenerate with npm run goldens)', async () => {
    const files = await renderTsGoldens();
    expect(readdirSync(TS_GOLDEN_DIR).sort()).toEqual(files.map((f) => f.path).sort());
    for (const f of files) {
      const path = join(TS_GOLDEN_DIR, f.path);
      expect(existsSync(path), path).toBe(true);
      expect(readFileSync(path, 'utf8'), f.path).toBe(f.content);
    }
  }, 60_000);
});
