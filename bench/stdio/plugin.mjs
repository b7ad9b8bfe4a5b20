// Our stdio plugin: serves bench.shapes (echo) over its stdin/stdout with the runtime's stdio
// channel. Plain JS importing the bundle bench/generate.sh builds, as a shipped plugin would run.
import * as ours from '../out/js/ours.mjs';

const echo = (v) => v;
const services = new ours.ServiceTable('bench-plugin', [
  { descriptor: ours.ShapesModule, handlers: { echoSmall: echo, echoNested: echo, echoBlob: echo } },
]);
await ours.Connection.open(ours.stdioChannel(), { role: 'responder', services, limits: ours.DEFAULT_LIMITS, codecs: ['msgpack'] });
