// Regenerates the expected diagnostics of the invalid-schema corpus,
// test/schemas/invalid/*.expected.txt. Run from the repository root:
//   npx tsx scripts/update-goldens.ts      (or: npm run goldens)
// Review the diff before committing: a changed golden is a changed error message.
// The work is in test/compiler/corpus.mts, an ES module (this folder is not one, and the
// compiler's dependencies are ESM-only), hence the dynamic import.

void import('../test/compiler/corpus.mjs').then(
  (corpus: { updateGoldens(log: (line: string) => void): number }) => {
    process.exitCode = corpus.updateGoldens((line) => process.stdout.write(`${line}\n`));
  },
  (e: unknown) => {
    process.stderr.write(`update-goldens: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);

// Generated TypeScript for the shared golden schema (test/goldens/ts/).
void import('../test/ts/goldens.js').then(
  async (ts: { updateTsGoldens(log: (line: string) => void): Promise<number> }) => {
    process.exitCode = Math.max(Number(process.exitCode ?? 0), await ts.updateTsGoldens((line) => process.stdout.write(`${line}\n`)));
  },
  (e: unknown) => {
    process.stderr.write(`update-goldens (ts): ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
