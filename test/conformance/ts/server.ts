// TypeScript conformance server (test/conformance/README.md): a node that hosts
// interop.conformance as the node config in INTEROP_NODE_CONFIG says (listening on unix/tcp, or
// serving stdio as a plugin) until SIGTERM, or until its parent goes away.

import { Node } from '../../../runtime-ts/src/node/node.js';
import { conformanceImpl } from './conformance-impl.js';
import { ConformanceModule, ConformancePublisher } from './gen/interop.conformance.js';

const impl = conformanceImpl();
const node = await Node.start(undefined, { implementations: [[ConformanceModule, impl]] });
impl.publisher = new ConformancePublisher(node.publisher(ConformanceModule));

const stop = () => void node.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await node.done;
process.exit(0);
