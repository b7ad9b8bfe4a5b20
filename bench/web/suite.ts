// Suite 7 (WebSocket and HTTP): round trips over ws:// and http://, ours against the floors a user
// would compare with: a raw WebSocket echo of the same bytes and a plain keep-alive HTTP echo of
// the same body; our tcp and unix round trips beside them, for the cost of the web framing. The
// C rows (C client ↔ C server) have Node's raw echoes as their floors: no C WebSocket or HTTP echo
// is packaged, and Node's are the fastest peers here.
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { pyChild, tsChild } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';
import { havePython } from '../rpc/ours-py.js';
import { buildC, cChild } from '../c/suite.js';

const WS_FLOOR = 'raw WebSocket echo (floor)';
const HTTP_FLOOR = 'keep-alive HTTP echo (floor)';

type Net = 'unix' | 'tcp' | 'ws' | 'http';

export async function runWebTs(opts: BenchOptions, results: Results): Promise<void> {
  if (!haveTs(results)) return;
  const ours = (net: Net, name = net === 'tcp' || net === 'unix' ? `${OURS} over ${net}` : OURS): RttContender => ({
    name,
    server: tsChild('bench/rpc/ts-ours.ts', ['server'], { BENCH_NET: net }),
    client: (address) => tsChild('bench/rpc/ts-ours.ts', ['client'], { BENCH_ADDRESS: address }),
  });
  const floor = (name: string, file: string): RttContender => ({
    name,
    server: tsChild(file, ['server']),
    client: (address) => tsChild(file, ['client'], { BENCH_ADDRESS: address }),
  });
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'TypeScript ↔ TypeScript over WebSocket', metricPrefix: 'rtt.ts-ts.ws', shapes: SHAPES, floor: WS_FLOOR },
    [ours('ws'), floor(WS_FLOOR, 'bench/web/ts-raw-ws.ts'), ours('tcp'), ours('unix')]);
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'TypeScript ↔ TypeScript over HTTP', metricPrefix: 'rtt.ts-ts.http', shapes: SHAPES, floor: HTTP_FLOOR },
    [ours('http'), floor(HTTP_FLOOR, 'bench/web/ts-raw-http.ts'), ours('tcp'), ours('unix')]);
}

export async function runWebPy(opts: BenchOptions, results: Results): Promise<void> {
  if (!havePython(results)) return;
  const ours = (net: Net, name = net === 'tcp' || net === 'unix' ? `${OURS} over ${net}` : OURS): RttContender => ({
    name,
    server: pyChild('bench/rpc/py_ours.py', ['server'], { BENCH_NET: net }),
    client: (address) => pyChild('bench/rpc/py_ours.py', ['client'], { BENCH_ADDRESS: address }),
  });
  const floor = (name: string, file: string): RttContender => ({
    name,
    server: pyChild(file, ['server']),
    client: (address) => pyChild(file, ['client'], { BENCH_ADDRESS: address }),
  });
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'Python ↔ Python over WebSocket', metricPrefix: 'rtt.py-py.ws', shapes: SHAPES, floor: WS_FLOOR },
    [ours('ws'), floor(WS_FLOOR, 'bench/web/py_raw_ws.py'), ours('tcp'), ours('unix')]);
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'Python ↔ Python over HTTP', metricPrefix: 'rtt.py-py.http', shapes: SHAPES, floor: HTTP_FLOOR },
    [ours('http'), floor(HTTP_FLOOR, 'bench/web/py_raw_http.py'), ours('tcp'), ours('unix')]);
}

export async function runWebC(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildC(results)) return;
  const ours = (net: Net, name = net === 'tcp' || net === 'unix' ? `${OURS} C ↔ C over ${net}` : `${OURS} C ↔ C`): RttContender => ({
    name,
    server: cChild('server', { BENCH_NET: net }),
    client: (address) => cChild('client', { BENCH_ADDRESS: address }),
  });
  const floor = (name: string, file: string): RttContender => ({
    name,
    server: tsChild(file, ['server']),
    client: (address) => tsChild(file, ['client'], { BENCH_ADDRESS: address }),
  });
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'C ↔ C over WebSocket', metricPrefix: 'rtt.c-c.ws', shapes: SHAPES, floor: WS_FLOOR },
    [ours('ws'), floor(WS_FLOOR, 'bench/web/ts-raw-ws.ts'), ours('tcp'), ours('unix')]);
  await runRtt(opts, results, { suite: '7. WebSocket and HTTP', title: 'C ↔ C over HTTP', metricPrefix: 'rtt.c-c.http', shapes: SHAPES, floor: HTTP_FLOOR },
    [ours('http'), floor(HTTP_FLOOR, 'bench/web/ts-raw-http.ts'), ours('tcp'), ours('unix')]);
}
