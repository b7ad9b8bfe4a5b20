// One progress line per download (what, bytes so far of the total, speed) when a person watches a
// terminal; nothing when output goes to a file or a pipe, or under CI. The caller prints its own
// one-line summary either way.

import { formatBytes } from './errors.js';

export interface DownloadProgress {
  update(received: number): void;
  done(): void;
  failed(): void;
}

export interface ProgressReporter {
  start(what: string, total: number): DownloadProgress;
}

const SILENT: DownloadProgress = { update() {}, done() {}, failed() {} };

export const quietProgress: ProgressReporter = { start: () => SILENT };

/** Progress on `stream` if it is a terminal and CI is not set; otherwise silent. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY || process.env['CI']) return quietProgress;
  return {
    start(what, total) {
      const started = Date.now();
      let shown = 0;
      let received = 0;
      const line = (final: string): string => {
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        return `${final} ${what}: ${formatBytes(received)} of ${formatBytes(total)}, ${formatBytes(Math.round(received / seconds))}/s`;
      };
      const draw = (text: string, end: string): void => void stream.write(`\r\u001b[2K${text}${end}`);
      return {
        update(n) {
          received = n;
          if (Date.now() - shown < 100) return; // at most 10 redraws a second
          shown = Date.now();
          draw(line('fetching'), '');
        },
        done: () => draw(line('fetched'), '\n'),
        failed: () => draw(line('failed'), '\n'),
      };
    },
  };
}
