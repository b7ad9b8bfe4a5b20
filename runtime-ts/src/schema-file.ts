// Where the JSON Schemas of docs/ are read from. They are the documented contract, so the code
// reads them rather than copying them. In the repository that is docs/ itself; an npm package
// (scripts/pack-npm.mjs) carries a copy in its own schemas/ folder. Callers pass their own
// import.meta.url: every caller sits two folders below its package root (src/node, dist/node,
// dist/cli of a bundle), so both relative paths hold from src/, dist/ and a package alike.

import { existsSync } from 'node:fs';

/** The file of docs/`name` (for example `config.schema.json`) as seen from the module at `base`. */
export function schemaFile(name: string, base: string): URL {
  const packaged = new URL(`../../schemas/${name}`, base);
  return existsSync(packaged) ? packaged : new URL(`../../../docs/${name}`, base);
}
