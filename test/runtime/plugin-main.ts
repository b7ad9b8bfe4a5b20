// A stdio plugin for the runtime tests: hosts test.calc, calls back test.host on its parent.
// Its node config comes from INTEROP_NODE_CONFIG, as a supervisor or parent would hand it.

import { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers, calcModule } from './fixtures.js';

const calc = calcModule();
const host = calcModule('sha256:host-1', 'test.host');
const handlers = calcHandlers();
let node: Node;
const plugin = {
  ...handlers,
  async echo(text: string) {
    if (text === 'pid') return String(process.pid);
    if (text === 'callback') return `sum=${String(await node.invoker(host).call(host, host.functions['add']!, [20, 22]))}`;
    return text;
  },
};
if (process.env['PLUGIN_STUBBORN']) {
  process.on('SIGTERM', () => console.error('plugin: ignoring SIGTERM'));
  setInterval(() => undefined, 1000);
}
async function main(): Promise<void> {
  node = await Node.start(undefined, { implementations: [[calc, plugin]], uses: [host] });
  // Once the node serves on stdio, console.log is sent to stderr and cannot corrupt frames.
  console.log('plugin: started');
  await node.done;
}
void main();
