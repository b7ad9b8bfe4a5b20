// Without runtime-ts's shm addon (not built, or another platform), an shm: address fails with a
// typed error that says what to run, never a loader's stack trace.

import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { tempDir } from '../temp.js';
import { calcModule } from '../runtime/fixtures.js';

it('listening and connecting on shm: without the addon is an UNAVAILABLE error naming the fix', async () => {
  process.env.INTEROP_SHM_ADDON = join(tempDir('shm-'), 'missing.node'); // read until the addon is loaded once
  const address = `shm:${join(tempDir('shm-'), 's.sock')}`;
  const listening = await Node.start({ node: 's', listen: [address] }).then(() => undefined, (e: unknown) => e);
  // A link connects in the background: its calls fail with the same error.
  const calc = calcModule();
  const client = await Node.start({ node: 'c', connect: [{ address, modules: ['test.calc'] }] }, { uses: [calc] });
  const calling = await client.invoker(calc).call(calc, calc.functions['add']!, [1, 2], { timeoutMs: 3000 }).then(() => undefined, (e: unknown) => e);
  await client.close();
  for (const error of [listening, calling]) {
    expect(error).toBeInstanceOf(InteropError);
    expect((error as InteropError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((error as Error).message).toMatch(/shm: transport needs runtime-ts's native addon.*bash scripts\/ensure-deps\.sh/);
  }
  delete process.env.INTEROP_SHM_ADDON;
});
