// A runtime-ts node in a process of its own, for test/shm/kill.test.ts to kill -9:
//   child-node.mts server shm:/path   serves test.calc, prints "ready"
//   child-node.mts client shm:/path   calls slow(20000) on the server, prints "calling"

import { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers, calcModule } from '../runtime/fixtures.js';

const [role, address] = process.argv.slice(2) as [string, string];
const calc = calcModule();
if (role === 'server') {
  await Node.start({ node: 'child-server', modules: ['test.calc'], listen: [address] }, { implementations: [[calc, calcHandlers()]] });
  console.log('ready');
} else {
  const node = await Node.start({ node: 'child-client', connect: [{ address, modules: ['test.calc'] }] }, { uses: [calc] });
  void node.invoker(calc).call(calc, calc.functions['slow']!, [20000]).catch(() => undefined);
  console.log('calling');
}
