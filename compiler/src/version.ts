// The compiler's version, from its package.json: `interopc --version` prints it and every
// generated file's header names it. One version for every package (CHANGELOG.md).

import pkg from '../package.json' with { type: 'json' };

export const INTEROPC_VERSION: string = pkg.version;
