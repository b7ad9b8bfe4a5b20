import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.mts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/gen/**', '**/out/**', '**/generated/**'],
    // Removes the temp dirs each test file made with test/temp.ts's tempDir().
    setupFiles: ['test/remove-temp-dirs.ts'],
    // vitest's 5 s default fails CPU-bound property tests and process-spawning tests on a loaded
    // 2-core machine (seen at load 15). A test that promises a time bound asserts it itself; this
    // is only the guard against a hang.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
