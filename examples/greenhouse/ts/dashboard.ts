// The greenhouse.dashboard module (schema/dashboard.interop), in TypeScript: the web page's side
// of the hub. It relays readings and alerts to the page's subscriptions and switches fans for it,
// through the same generated clients any module uses.

import type { CallContext, Node } from '@interop/runtime';
import { ClimateClient, ClimateModule, type Alert } from './gen/greenhouse.climate.js';
import { DashboardModule, DashboardPublisher, type DashboardHandlers } from './gen/greenhouse.dashboard.js';
import { SensorsClient, SensorsModule, UnknownSensor, type Reading } from './gen/greenhouse.sensors.js';

export interface DashboardDeps {
  sensors: SensorsClient;
  climate: ClimateClient;
  events: DashboardPublisher;
}

export function createDashboard(deps: () => DashboardDeps): DashboardHandlers & { relay(): Promise<void> } {
  return {
    async sensors(_ctx: CallContext): Promise<string[]> {
      return deps().sensors.listSensors();
    },
    async setFan(sensor: string, on: boolean, _ctx: CallContext): Promise<void> {
      const { sensors } = deps();
      if (!(await sensors.listSensors()).includes(sensor)) throw new UnknownSensor({ sensor }, `no sensor named "${sensor}"`);
      sensors.setFan(sensor, on);
    },
    /** Starts relaying: every reading and alert goes to the page's subscriptions. */
    async relay(): Promise<void> {
      const { sensors, climate, events } = deps();
      await sensors.onReading((reading: Reading) => events.reading(reading));
      await climate.onAlert((alert: Alert) => events.alert(alert));
    },
  };
}

/** The module as host.ts hosts it: its descriptor and handlers, on the node `node()` returns. */
export function hostDashboard(node: () => Node) {
  const handlers = createDashboard(() => ({
    sensors: new SensorsClient(node().invoker(SensorsModule)),
    climate: new ClimateClient(node().invoker(ClimateModule)),
    events: new DashboardPublisher(node().publisher(DashboardModule)),
  }));
  return { module: DashboardModule, handlers };
}
