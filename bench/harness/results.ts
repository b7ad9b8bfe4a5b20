// What a run collects: tables to print, named metrics the goals are checked against, and notes
// saying what was skipped and why.

export interface Table {
  suite: string;
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

export class Results {
  readonly tables: Table[] = [];
  readonly metrics: Record<string, number> = {};
  readonly notes: string[] = [];

  table(suite: string, title: string, columns: string[]): Table {
    const t: Table = { suite, title, columns, rows: [], notes: [] };
    this.tables.push(t);
    return t;
  }

  metric(key: string, value: number): void {
    this.metrics[key] = value;
  }

  note(text: string): void {
    if (this.notes.includes(text)) return;
    this.notes.push(text);
    process.stderr.write(`[bench] ${text}\n`);
  }
}

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}
