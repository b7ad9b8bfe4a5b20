// greenhouse.climate as a package module: the entry named in interop-package.json. A node host
// that loads packages (`interop host`) calls `create` before its node starts; the hub's own
// program (host.ts) calls it too when its node config hosts climate in-process.

import type { ModulePackage, PackageHost } from '@interop/runtime';
import { createClimate } from './climate.js';
import { AdvisorClient, AdvisorModule } from './gen/greenhouse.advisor.js';
import { ClimateModule, ClimatePublisher } from './gen/greenhouse.climate.js';
import { SensorsClient, SensorsModule } from './gen/greenhouse.sensors.js';

export function create(host: PackageHost): ModulePackage {
  const handlers = createClimate(
    () => ({
      sensors: new SensorsClient(host.node.invoker(SensorsModule)),
      advisor: new AdvisorClient(host.node.invoker(AdvisorModule)),
      events: new ClimatePublisher(host.node.publisher(ClimateModule)),
    }),
    (line) => host.log(line),
  );
  return { module: ClimateModule, handlers, uses: [SensorsModule, AdvisorModule] };
}
