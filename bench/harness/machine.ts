// The machine and the conditions a run was taken under, for the head of RESULTS.md.
import os from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineInfo {
  date: string;
  cores: number;
  cpuModel: string;
  memory: string;
  os: string;
  node: string;
  python: string;
  loadStart: string;
  loadEnd?: string;
}

export function machineInfo(): MachineInfo {
  let python = 'not found';
  try {
    python = execFileSync('bench/.venv/bin/python', ['--version']).toString().trim();
  } catch {
    /* no venv */
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python,
    loadStart: loadAvg(),
  };
}

export function loadAvg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}
