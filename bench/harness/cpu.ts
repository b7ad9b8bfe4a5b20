// CPU time of any process (all its threads) from /proc/<pid>/stat, so children in any language
// are measured the same way. Resolution is one clock tick (usually 10 ms): callers sum over
// whole repetitions before dividing by the number of calls.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 0;

function clockTicks(): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time of a process in ns, or NaN where /proc is not available. */
export function processCpuNs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return (ticks * 1e9) / clockTicks();
  } catch {
    return NaN;
  }
}

/** CPU time of this process in ns, with microsecond resolution. */
export function selfCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}
