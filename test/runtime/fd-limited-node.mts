// A node with no modules for test/runtime/connection-limits.test.ts, started under a low
// descriptor limit (`ulimit -n`): it listens on the address in argv, prints "ready", and answers
// each line on stdin with the CPU time it has used so far, in seconds.
import { createInterface } from 'node:readline';
import { Node } from '../../runtime-ts/src/node/node.js';

const node = await Node.start({ node: 'tight', listen: [process.argv[2]!], limits: { handshake_timeout_ms: 60_000 } });
console.log('ready');
const lines = createInterface({ input: process.stdin });
lines.on('line', () => {
  const { user, system } = process.cpuUsage();
  console.log((user + system) / 1e6);
});
lines.on('close', () => void node.close().then(() => process.exit(0)));
