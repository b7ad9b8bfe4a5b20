// Ours: a parent that spawns our plugin (bench/stdio/plugin.mjs) and calls it through the
// generated ShapesClient over the plugin's stdin/stdout. Usage: ts-ours-parent.ts client
import { runClient } from '../harness/ts-loop.js';
import { ECHO_OF, loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime, type Runtime } from '../harness/runtime-ts.js';
import { typedValue } from '../shapes/typed.js';
import { SHAPES } from '../shapes/data.js';

/** Spawns the plugin and completes the handshake; returns the client stub. */
export async function startPlugin(rt: Runtime) {
  const gen = (await loadGeneratedTs())!;
  const plugin = new rt.PluginProcess({ command: [process.execPath, 'bench/stdio/plugin.mjs'] });
  const conn = await rt.Connection.open(plugin.channel, {
    role: 'initiator',
    wants: [gen.ShapesModule],
    services: new rt.ServiceTable('bench-parent'),
    limits: rt.DEFAULT_LIMITS,
    codecs: ['msgpack'],
  });
  return { plugin, conn, stub: new gen.ShapesClient(conn) };
}

async function client(): Promise<void> {
  const rt = await loadRuntime();
  const { plugin, conn, stub } = await startPlugin(rt);
  const values = new Map(SHAPES.map((s) => [s, typedValue(s)]));
  await runClient((shape) => stub[ECHO_OF[shape]](values.get(shape)), [plugin.pid!]);
  await conn.close();
  await plugin.shutdown(500);
  process.exit(0);
}

if (process.argv[2] === 'client') await client();
