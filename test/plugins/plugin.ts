// A plugin serving test.plugins (plugins.interop) in TypeScript, for fds.test.ts (or a server,
// for failover.test.ts, when its config says "listen": it serves until killed). PLUGINS_GEN
// names the folder of the generated test.plugins.ts; the node config (with "stdio": true) comes
// from INTEROP_NODE_CONFIG and the frame descriptors, when the parent chose them, from
// INTEROP_PLUGIN_FDS, as for any plugin. It prints on stdout as a program with logs would.

import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Node } from '../../runtime-ts/src/node/node.js';
import type { PluginsHandlers, PluginsPublisher } from './gen-types.js';

const gen = (await import(pathToFileURL(join(process.env.PLUGINS_GEN!, 'test.plugins.ts')).href)) as {
  PluginsModule: never;
  PluginsPublisher: new (p: unknown) => PluginsPublisher;
};
let ticks: PluginsPublisher | undefined;

const errorCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);
const tryConnect = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('ok')));
    socket.once('error', (e) => resolve(errorCode(e)));
  });

const handlers: PluginsHandlers = {
  add: (a, b) => a + b,
  chatter(lines) {
    for (let i = 0; i < lines; i++) console.log(`ts plugin chatter ${i}`);
    return lines;
  },
  pid: () => process.pid,
  slow: (ms) => new Promise((r) => setTimeout(() => r(ms), ms)),
  emit(count) {
    for (let n = 1; n <= count; n++) ticks!.tick({ n });
    return count;
  },
  async probe(path, port) {
    let write = 'ok';
    try {
      writeFileSync(path, 'written by the plugin');
    } catch (e) {
      write = errorCode(e);
    }
    return `write=${write} connect=${await tryConnect(port)}`;
  },
};

const node = await Node.start(undefined, { implementations: [[gen.PluginsModule, handlers]] });
ticks = new gen.PluginsPublisher(node.publisher(gen.PluginsModule));
console.log('ts plugin serving');
await node.done;
