// The bundle in a node's manifest (docs/wire.md §7, docs/ir.md) is complete: the hosted modules
// (`roots`) plus every module they import, transitively, each once, imports first. Generated
// descriptors list their imported descriptors in `imports` for that.

import { describe, expect, it } from 'vitest';
import { irBundle } from '../../runtime-ts/src/control/control.js';
import type { ModuleDescriptor } from '../../runtime-ts/src/module.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { importGenerated } from '../ts/generated.js';

const names = (b: { modules: unknown[] }) => b.modules.map((m) => (m as { name: string }).name);

describe('manifest bundle', () => {
  it('generated descriptors list the descriptors of the modules they import', async () => {
    const chat = await importGenerated('manifest-bundle', ['test/schemas/valid/chat.interop'], 'example.chat');
    const Chat = chat.ChatModule as ModuleDescriptor;
    expect(Chat.imports!.map((d) => d.name)).toEqual(['example.common', 'example.users']);
    expect(Chat.imports![1]!.imports!.map((d) => d.name)).toEqual(['example.common']);
    // example.common is imported twice (by chat and by users) but appears once, before both.
    expect(irBundle([Chat])).toEqual({
      irVersion: 1,
      modules: [Chat.imports![0]!.ir, Chat.imports![1]!.ir, Chat.ir],
      roots: ['example.chat'],
    });
    expect(names(irBundle([Chat.imports![1]!, Chat]))).toEqual(['example.common', 'example.users', 'example.chat']);
  });

  it("a node serves its modules with their imports (transitively), roots = what it hosts", async () => {
    const judge = await importGenerated('manifest-bundle-judge', ['test/supervisor/fixtures/imports/judge.interop'], 'test.judge');
    const node = await Node.start({ node: 'judge', modules: ['test.judge'] }, { implementations: [[judge.JudgeModule as ModuleDescriptor, {}]] });
    try {
      const { bundle } = node.manifest();
      expect(names(bundle)).toEqual(['test.units', 'test.readings', 'test.judge']);
      expect(bundle.roots).toEqual(['test.judge']);
      expect(node.health().modules).toEqual(['test.judge']);
    } finally {
      await node.close();
    }
  });

  it('a hand-written descriptor without imports serves its own IR only', () => {
    const d = { name: 'x.y', version: '1', fingerprint: '', functions: {}, events: {}, errors: {}, ir: { name: 'x.y' } };
    expect(irBundle([d])).toEqual({ irVersion: 1, modules: [{ name: 'x.y' }], roots: ['x.y'] });
  });
});
