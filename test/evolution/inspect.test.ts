// What a node's manifest (docs/wire.md §7, `mixed_versions`) and `interop inspect` show of a
// link between peers built from different versions: the caller lists what it cannot use there
// and why, the server which of its modules the peer has in another version.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatManifest } from '../../runtime-ts/src/cli/format-manifest.js';
import type { ModuleDescriptor } from '../../runtime-ts/src/module.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { importGenerated } from '../ts/generated.js';
import { UNAVAILABLE } from './cases.js';

const MODULE = 'interop.evolution';
/* eslint-disable @typescript-eslint/no-explicit-any */
let v1: any;
let v2: any;
let server: Node;
let client: Node;
const dir = mkdtempSync(join(tmpdir(), 'evo-inspect-'));
/** What `interop inspect` prints for a node (it reads the manifest as plain JSON). */
const inspect = (node: Node) => formatManifest(node.manifest() as unknown as Parameters<typeof formatManifest>[0]);

beforeAll(async () => {
  v1 = await importGenerated('evolution-v1', ['test/evolution/v1.interop'], MODULE);
  v2 = await importGenerated('evolution-v2', ['test/evolution/v2.interop'], MODULE);
  const address = `unix:${join(dir, 's.sock')}`;
  const handlers = { ping: (text: string) => `v1:${text}` };
  server = await Node.start({ node: 'server-v1', modules: [MODULE], listen: [address] }, { implementations: [[v1.EvolutionModule, handlers]] });
  client = await Node.start({ node: 'client-v2', connect: [{ address, modules: [MODULE] }] }, { uses: [v2.EvolutionModule] });
  expect(await new v2.EvolutionClient(client.invoker(v2.EvolutionModule)).ping('hi')).toBe('v1:hi');
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a link between two versions, in the manifest and in interop inspect', () => {
  it('the caller lists what it cannot use on the peer, and why', () => {
    const [v1Module, v2Module] = [v1.EvolutionModule, v2.EvolutionModule] as ModuleDescriptor[];
    expect(client.manifest().mixed_versions).toEqual([
      { peer: 'server-v1', module: MODULE, role: 'calls', fingerprint: v2Module!.fingerprint, peer_fingerprint: v1Module!.fingerprint, unavailable: UNAVAILABLE.v2 },
    ]);
    const text = inspect(client);
    expect(text).toContain(`// mixed versions on open connections (docs/idl.md, "Evolving a schema"):\n//   calls ${MODULE} on server-v1, which has ${v1Module!.fingerprint} (this node: ${v2Module!.fingerprint})\n`);
    expect(text).toContain(`//     fn extra: UNIMPLEMENTED: ${MODULE}.extra: the peer's version of ${MODULE} has no function extra\n`);
    expect(text).toContain(`//     event flashed: NOT_FOUND: ${MODULE}.flashed: the peer's version of ${MODULE} has no event flashed`);
  });

  it('the server names the module the peer has in another version', () => {
    const [v1Module, v2Module] = [v1.EvolutionModule, v2.EvolutionModule] as ModuleDescriptor[];
    expect(server.manifest().mixed_versions).toEqual([
      { peer: 'client-v2', module: MODULE, role: 'serves', fingerprint: v1Module!.fingerprint, peer_fingerprint: v2Module!.fingerprint },
    ]);
    expect(inspect(server)).toContain(`//   serves ${MODULE} to client-v2, built from ${v2Module!.fingerprint} (this node: ${v1Module!.fingerprint})`);
  });
});
