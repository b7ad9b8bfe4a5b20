// The app's `prepare` commands (typically `interopc gen`), run in order before any node starts,
// with their output prefixed like a node's. The first failure stops the start.

import { spawn } from 'node:child_process';
import { pipeLines, type OutputSink } from './prefixed-output.js';

export async function prepare(commands: string[][], cwd: string, sink: OutputSink): Promise<void> {
  for (const argv of commands) {
    sink.line('prepare', argv.join(' '), 'stdout');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      pipeLines(child.stdout, 'prepare', 'stdout', sink);
      pipeLines(child.stderr, 'prepare', 'stderr', sink);
      child.once('error', (err) => reject(new Error(`${argv.join(' ')}: ${err.message}`)));
      child.once('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${argv.join(' ')} exited with ${signal ?? `code ${code}`}`));
      });
    });
  }
}
