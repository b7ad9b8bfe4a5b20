// A node serving test.streams (streams.interop) in TypeScript, for the cross-language stream tests
// (cross-language.test.ts). STREAMS_GEN names the folder of the generated test.streams.ts; the
// node config comes from INTEROP_NODE_CONFIG, as for any node. Prints "serving" once it listens;
// stops on SIGTERM.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Node } from '../../runtime-ts/src/node/node.js';
import { newStats, streamsImpl } from './streams-impl.js';

const gen = (await import(pathToFileURL(join(process.env.STREAMS_GEN!, 'test.streams.ts')).href)) as { StreamsModule: never };
const node = await Node.start(undefined, { implementations: [[gen.StreamsModule, streamsImpl(gen, newStats())]] });
console.log('serving');
process.once('SIGTERM', () => void node.close().then(() => process.exit(0)));
