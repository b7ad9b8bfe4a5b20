// Plain-text tables and the human-readable pieces `interop run` and `interop status` print: the
// application overview before start, and the summary at the end.

import type { AppConfig } from '../supervisor/app-config.js';
import type { AppStatus } from '../supervisor/status.js';

export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function describeApp(app: AppConfig): string {
  const lines = [`${app.name}${app.description ? `: ${app.description}` : ''}`, `  config: ${app.file}`, '  nodes:'];
  lines.push(table(app.nodes.map((n) => [
    n.name,
    n.language,
    n.modules.join(', ') || '(no modules)',
    n.pluginOf !== undefined ? `plugin of ${n.pluginOf}, over stdio` : n.main ? 'main: the app ends when it finishes' : '',
  ]), '    '));
  if (app.links.length > 0) {
    lines.push('  links (caller -> callee):');
    lines.push(table(app.links.map((l) => [`${l.from} -> ${l.to}`, l.transport, l.codec, l.address ?? (l.transport === 'stdio' ? '' : '(address chosen at start)')]), '    '));
  }
  return lines.join('\n');
}

export function describeStatus(status: AppStatus, now = Date.now()): string {
  const head = `${status.app}: ${status.state}, up ${seconds(now - status.startedAt)} (supervisor pid ${status.supervisorPid}, ${status.config})`;
  const rows = [['NODE', 'LANG', 'STATE', 'PID', 'RESTARTS', 'UP', 'MODULES', 'CONTROL / LAST EXIT']];
  for (const n of status.nodes) {
    rows.push([
      n.name,
      n.language,
      n.pluginOf !== undefined ? `plugin of ${n.pluginOf}` : n.state,
      n.pid !== undefined ? String(n.pid) : '-',
      String(n.restarts),
      n.startedAt !== undefined ? seconds(now - n.startedAt) : '-',
      n.modules.join(', '),
      [n.control, n.lastExit !== undefined ? `last exit: ${n.lastExit}` : undefined].filter(Boolean).join('  '),
    ]);
  }
  return `${head}\n${table(rows)}${status.failure ? `\n  failure: ${status.failure}` : ''}`;
}

export function summary(status: AppStatus, reason: string, now = Date.now()): string {
  const rows = [['NODE', 'STATE', 'RESTARTS', 'LAST EXIT']];
  for (const n of status.nodes) {
    rows.push([n.name, n.pluginOf !== undefined ? `plugin of ${n.pluginOf}` : n.state, String(n.restarts), n.lastExit ?? '-']);
  }
  return `summary: ${status.app} ${status.state} after ${seconds(now - status.startedAt)}: ${reason}\n${table(rows)}`;
}

export function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
