#!/usr/bin/env node
// Runs the `interop` CLI straight from its TypeScript sources (through tsx), like interopc: a
// fresh clone needs no build step and the binary is never older than the code next to it.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
