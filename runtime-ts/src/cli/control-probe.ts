// How the CLI asks a node for health: one short connection to its control endpoint
// (docs/wire.md §7), through the runtime's own control client.

import { fetchHealth } from '../control/control.js';
import type { HealthProbe } from '../supervisor/readiness.js';

export const healthProbe: HealthProbe = (endpoint, timeoutMs) => fetchHealth(endpoint, { timeoutMs });
