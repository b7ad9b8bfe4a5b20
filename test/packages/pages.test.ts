// The "Use interop in your project" pages quote the projects that the tests build outside the
// clone (test/packages/install.test.ts, runtime-c/test/out_of_tree.sh and cpp/out_of_tree.sh):
// what a page shows is what runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../ts/generated.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const blocks = (page: string, lang: string) => [...read(page).matchAll(new RegExp('```' + lang + '\\n([^]*?)```', 'g'))].map((m) => m[1]!);

describe('use-*.md pages', () => {
  it('the README links a page per language', () => {
    for (const lang of ['ts', 'python', 'c', 'cpp', 'haskell']) expect(read('README.md')).toContain(`(docs/use-${lang}.md)`);
  });

  it('C and C++: the CMakeLists.txt shown is the one ctest builds against the installed package', () => {
    expect(blocks('docs/use-c.md', 'cmake')).toEqual([read('runtime-c/test/out-of-tree/CMakeLists.txt')]);
    expect(blocks('docs/use-cpp.md', 'cmake')).toEqual([read('runtime-c/test/cpp/out-of-tree/CMakeLists.txt')]);
  });

  it('Haskell: every line of the .cabal excerpt is in examples/chat/haskell/chat-client.cabal', () => {
    const cabalFile = read('examples/chat/haskell/chat-client.cabal').split('\n');
    const excerpt = blocks('docs/use-haskell.md', 'cabal').find((b) => b.includes('build-type'))!;
    for (const line of excerpt.split('\n').filter((l) => l.trim() !== '')) expect(cabalFile).toContain(line);
  });
});
