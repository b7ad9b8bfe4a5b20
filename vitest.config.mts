import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.mts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/gen/**', '**/out/**', '**/generated/**'],
  },
});
