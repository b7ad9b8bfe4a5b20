// Every node's stdout and stderr, line by line, prefixed with the node's name so that interleaved
// output from several processes stays readable. A partial last line is held until its newline
// (or until the stream ends) so two nodes never share one printed line.

import type { Readable } from 'node:stream';

export interface OutputSink {
  /** One complete line (without its newline) from `source`. */
  line(source: string, text: string, stream: 'stdout' | 'stderr'): void;
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];

/** Writes `name | text` to the supervisor's stdout, colored per name when stdout is a terminal. */
export class ConsoleSink implements OutputSink {
  private readonly colorOf = new Map<string, number>();
  constructor(private readonly width = 10, private readonly color = process.stdout.isTTY === true) {}

  line(source: string, text: string): void {
    const label = source.padEnd(this.width);
    if (!this.color) {
      process.stdout.write(`${label} | ${text}\n`);
      return;
    }
    let c = this.colorOf.get(source);
    if (c === undefined) this.colorOf.set(source, (c = COLORS[this.colorOf.size % COLORS.length]!));
    process.stdout.write(`\x1b[${c}m${label} |\x1b[0m ${text}\n`);
  }
}

export function pipeLines(stream: Readable, source: string, kind: 'stdout' | 'stderr', sink: OutputSink): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const part of parts) sink.line(source, part.replace(/\r$/, ''), kind);
  });
  stream.on('end', () => {
    if (pending !== '') sink.line(source, pending, kind);
    pending = '';
  });
}
