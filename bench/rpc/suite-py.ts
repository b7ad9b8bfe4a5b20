// Suite 2 (Python ↔ Python, and TypeScript client ↔ Python server): round trips over Unix and
// TCP sockets, ours against a raw asyncio socket ping-pong (the floor), grpcio and pyzmq.
import { existsSync, readdirSync } from 'node:fs';
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { pyChild, tsChild } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { ourPyRpc, ourTsToPyRpc } from './ours-py.js';

const FLOOR = 'raw socket (floor)';

export async function runRpcPy(opts: BenchOptions, results: Results): Promise<void> {
  for (const net of ['unix', 'tcp'] as const) {
    const pair = (name: string, file: string): RttContender => ({
      name,
      server: pyChild(file, ['server'], { BENCH_NET: net }),
      client: (address) => pyChild(file, ['client'], { BENCH_ADDRESS: address }),
    });
    await runRtt(opts, results, {
      suite: '2. Request/response',
      title: `Python ↔ Python over ${net}`,
      metricPrefix: `rtt.py-py.${net}`,
      shapes: SHAPES,
      floor: FLOOR,
    }, [
      ...ourPyRpc(net, results),
      pair(FLOOR, 'bench/rpc/py_raw.py'),
      pair('grpcio (msgpack)', 'bench/rpc/py_grpc.py'),
      pair('pyzmq REQ/REP (msgpack)', 'bench/rpc/py_zmq.py'),
    ]);
  }
}

// shm (docs/wire.md §9): the same Python client and server over shared memory, next to unix.
// Issue 15's goal: at least 2x faster p50 than unix for the small and nested shapes.
export async function runRpcPyShm(opts: BenchOptions, results: Results): Promise<void> {
  if (!existsSync('bench/.venv/lib') || !havePythonShm()) {
    results.note('rpc-py-shm: the Python shm extension is not built in bench/.venv (runtime-python/build-shm.sh): left out');
    return;
  }
  const ours = (net: 'unix' | 'shm') => ourPyRpc(net, results).map((c) => ({ ...c, name: `interop over ${net}` }));
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'Python ↔ Python over shm (shared memory), next to unix',
    metricPrefix: 'rtt.py-py.shm',
    shapes: SHAPES,
    floor: FLOOR,
  }, [...ours('shm'), ...ours('unix'), {
    name: FLOOR,
    server: pyChild('bench/rpc/py_raw.py', ['server'], { BENCH_NET: 'unix' }),
    client: (address) => pyChild('bench/rpc/py_raw.py', ['client'], { BENCH_ADDRESS: address }),
  }]);
}

function havePythonShm(): boolean {
  return readdirSync('bench/.venv/lib').some((v) => readdirSync(`bench/.venv/lib/${v}/site-packages`).some((f) => f.startsWith('_interop_shm')));
}

export async function runRpcTsPy(opts: BenchOptions, results: Results): Promise<void> {
  const net = 'unix';
  const cross = (name: string, py: string, ts: string, env: Record<string, string> = {}): RttContender => ({
    name,
    server: pyChild(py, ['server'], { BENCH_NET: net }),
    client: (address) => tsChild(ts, ['client'], { BENCH_ADDRESS: address, ...env }),
  });
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: `TypeScript client → Python server over ${net}`,
    metricPrefix: `rtt.ts-py.${net}`,
    shapes: SHAPES,
    floor: FLOOR,
  }, [
    ...ourTsToPyRpc(net, results),
    cross(FLOOR, 'bench/rpc/py_raw.py', 'bench/rpc/ts-raw.ts'),
    cross('grpc-js → grpcio (msgpack)', 'bench/rpc/py_grpc.py', 'bench/rpc/ts-grpc.ts', { BENCH_GRPC_CODEC: 'msgpack' }),
    cross('zeromq → pyzmq REQ/REP (msgpack)', 'bench/rpc/py_zmq.py', 'bench/rpc/ts-zmq.ts'),
  ]);
}
