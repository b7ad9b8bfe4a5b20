// The greenhouse.climate module (schema/climate.interop), in TypeScript. It is plain code against
// the generated interfaces: it does not know whether the sensors, the advisor plugin or its own
// callers are in this process or another one. The node config decides that.

import type { CallContext } from '@interop/runtime';
import { Level, type Alert, type ClimateHandlers, type ClimatePublisher, type Summary } from './gen/greenhouse.climate.js';
import type { AdvisorClient } from './gen/greenhouse.advisor.js';
import type { Reading, SensorsClient } from './gen/greenhouse.sensors.js';

/** What the module needs from its node, resolved on first use (the node starts after the handlers exist). */
export interface ClimateDeps {
  sensors: SensorsClient;
  advisor: AdvisorClient;
  events: ClimatePublisher;
}

export const COLD_BELOW = 12;
export const HOT_FROM = 30;

function judge(celsius: number): Level {
  return celsius < COLD_BELOW ? Level.COLD : celsius >= HOT_FROM ? Level.HOT : Level.OK;
}

export function createClimate(deps: () => ClimateDeps, log: (line: string) => void): ClimateHandlers {
  const perSensor = new Map<string, number>();
  const fansOn = new Set<string>();
  let readings = 0;
  let alerts = 0;
  let min = Infinity;
  let max = -Infinity;

  return {
    async record(reading: Reading, _ctx: CallContext): Promise<Level> {
      readings += 1;
      perSensor.set(reading.sensor, (perSensor.get(reading.sensor) ?? 0) + 1);
      min = Math.min(min, reading.celsius);
      max = Math.max(max, reading.celsius);
      const level = judge(reading.celsius);
      const { sensors, advisor, events } = deps();
      if (level === Level.OK) {
        // Back in range: switch off a fan this module switched on (a one-way call: no reply).
        if (fansOn.delete(reading.sensor)) {
          log(`climate: ${reading.sensor} is back to ${reading.celsius.toFixed(1)} °C: greenhouse.sensors.set_fan("${reading.sensor}", false)`);
          sensors.setFan(reading.sensor, false);
        }
        return level;
      }
      alerts += 1;
      // TS -> Python: the advisor runs as a stdio plugin of this node.
      const advice = await advisor.advise(reading.sensor, reading.celsius);
      if (advice.fanOn && !fansOn.has(reading.sensor)) {
        fansOn.add(reading.sensor);
        log(`climate: advisor says run the fan: greenhouse.sensors.set_fan("${reading.sensor}", true)`);
        sensors.setFan(reading.sensor, true);
      }
      const alert: Alert = { sensor: reading.sensor, level, celsius: reading.celsius, advice: advice.text };
      events.alert(alert);
      return level;
    },

    // A bidirectional stream: the readings come in as an async iterator, the levels go out by
    // `yield`, one per reading, while both sides keep streaming.
    async *judgeAll(readings: AsyncIterableIterator<Reading>, _ctx: CallContext): AsyncGenerator<Level> {
      for await (const reading of readings) yield judge(reading.celsius);
    },

    summary(_ctx: CallContext): Summary {
      return {
        readings,
        alerts,
        minCelsius: readings > 0 ? min : 0,
        maxCelsius: readings > 0 ? max : 0,
        perSensor: new Map(perSensor),
      };
    },
  };
}
