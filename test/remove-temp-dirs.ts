// A vitest setup file (vitest.config.mts): after each test file, remove the temporary directories
// it made with tempDir(). Hooks run in reverse order of registration, so the file's own afterAll
// (stopping its servers and processes) runs before this.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

afterAll(removeTempDirs);
