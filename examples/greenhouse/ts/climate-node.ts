// A node that only hosts greenhouse.climate (and spawns its advisor plugin): used by
// app-moved.json, where climate runs in a process of its own. Same code as inside the hub.
import { startNode, describeRoutes } from './host.js';

const node = await startNode();
for (const line of describeRoutes(node.config, ['greenhouse.climate', 'greenhouse.sensors', 'greenhouse.advisor'])) console.log(line);
