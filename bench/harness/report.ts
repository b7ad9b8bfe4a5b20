// Prints the tables to the console and writes them, with the machine and the goals, as Markdown.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const LIMITS_PATH = 'bench/LIMITS.md';
import type { Results, Table } from './results.js';
import type { MachineInfo } from './machine.js';
import type { GoalResult } from '../goals.js';

export function textTable(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`== ${t.title}`, line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
  for (const n of t.notes) out.push(`   note: ${n}`);
  return out.join('\n');
}

function mdTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [
    `### ${t.title}`,
    '',
    `| ${t.columns.map(esc).join(' | ')} |`,
    `|${t.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function goalsText(goals: GoalResult[]): string {
  return goals.map((g) => `${g.status.padEnd(7)} ${g.goal}: ${g.detail}`).join('\n');
}

export function writeMarkdown(path: string, r: Results, m: MachineInfo, goals: GoalResult[], smoke: boolean, cmd: string): void {
  const parts = [
    '# Benchmark results',
    '',
    smoke
      ? '**Smoke mode**: a few iterations each, to prove the benchmarks run. These figures mean nothing.'
      : 'Written by `npm run bench` (bench/run.sh). How to read it, and the goals: bench/README.md.',
    '',
    `- Date: ${m.date}`,
    `- Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memory}, ${m.os}`,
    `- Node ${m.node}, ${m.python}`,
    `- Load average (1/5/15 min) at start: ${m.loadStart}; at end: ${m.loadEnd ?? '?'}`,
    `- Command: \`${cmd}\`; processes unpinned; every figure is the median over the timed repetitions, contenders alternating.`,
    '',
    '## Goals',
    '',
    '| goal | status | where we stand |',
    '|---|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${g.status} | ${g.detail.replace(/\|/g, '\\|')} |`),
    '',
  ];
  // What limits the goals not met comes from profiles, not from one run: it is kept by hand in
  // bench/LIMITS.md and copied into every full report.
  if (!smoke && existsSync(LIMITS_PATH)) {
    parts.push('## What limits the rest', '', readFileSync(LIMITS_PATH, 'utf8').trim(), '');
  }
  if (r.notes.length) parts.push('## Notes from this run', '', ...r.notes.map((n) => `- ${n}`), '');
  let suite = '';
  for (const t of r.tables) {
    if (t.suite !== suite) {
      suite = t.suite;
      parts.push(`## ${suite}`, '');
    }
    parts.push(mdTable(t), '');
  }
  writeFileSync(path, parts.join('\n'));
}
