// `interop inspect ENDPOINT`: prints a running node's manifest as readable IDL-like text (or raw
// JSON with --json). ENDPOINT is an address or a node name of a running application.

import { fetchManifest } from '../control/control.js';
import { resolveEndpoint } from './endpoint.js';
import { formatManifest, type Manifest } from './format-manifest.js';

export async function inspectCommand(args: { endpoint: string; json: boolean }): Promise<number> {
  let endpoint: string;
  try {
    endpoint = resolveEndpoint(args.endpoint);
  } catch (err) {
    process.stderr.write(`interop inspect: ${(err as Error).message}\n`);
    return 2;
  }
  let manifest;
  try {
    manifest = await fetchManifest(endpoint, { timeoutMs: 5_000 });
  } catch (err) {
    process.stderr.write(`interop inspect: ${endpoint}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(args.json ? `${JSON.stringify(manifest, null, 2)}\n` : `${formatManifest(manifest as unknown as Manifest)}\n`);
  return 0;
}
