// The supervisor against real processes (the fake node fixture): start order and readiness,
// prefixed output, derived node configs, restart after SIGKILL, the restart cap, the main node
// ending the application, and a shutdown that leaves no process and no file behind.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../runtime-ts/src/supervisor/supervisor.js';
import { fakeApp, fakeNode, isAlive, lineProbe, listDir, RecordingSink, tempDir, waitFor } from './helpers.js';

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('test over')));
});

function supervise(raw: Record<string, unknown>, dir: string): { sup: Supervisor; sink: RecordingSink; runRoot: string } {
  const sink = new RecordingSink();
  const runRoot = path.join(dir, 'run');
  const sup = new Supervisor(fakeApp(raw, dir), { probe: lineProbe, sink, runRoot });
  running.push(sup);
  return { sup, sink, runRoot };
}

const PYTHON = path.join(import.meta.dirname, '../../runtime-python/.venv/bin/python');
const quickRestart = { max_restarts: 2, window_ms: 60_000, backoff_initial_ms: 50, backoff_max_ms: 200 };

describe('Supervisor', () => {
  it('starts linked nodes in order, hands each its config, prefixes output, and cleans up on stop', async () => {
    const dir = tempDir('sup-start-');
    const { sup, sink, runRoot } = supervise({
      name: 'demo',
      nodes: {
        front: fakeNode(['demo.front'], { FAKE_WRITE_CONFIG: path.join(dir, 'front.json') }),
        back: fakeNode(['demo.back', 'demo.store'], { FAKE_WRITE_CONFIG: path.join(dir, 'back.json') }),
      },
      links: [{ from: 'front', to: 'back', transport: 'unix', codec: 'json' }],
    }, dir);
    await sup.start();
    const status = sup.status();
    expect(status.state).toBe('ready');
    expect(status.nodes.map((n) => [n.name, n.state])).toEqual([['front', 'ready'], ['back', 'ready']]);

    // back must be ready before front starts: front connects to it.
    const log = sink.text();
    expect(log.indexOf('back ready')).toBeGreaterThan(-1);
    expect(log.indexOf('back ready')).toBeLessThan(log.indexOf('fake node front up'));
    expect(sink.lines).toContainEqual({ source: 'back', text: 'a line on stderr' });

    const front = JSON.parse(readFileSync(path.join(dir, 'front.json'), 'utf8'));
    const back = JSON.parse(readFileSync(path.join(dir, 'back.json'), 'utf8'));
    expect(back.modules).toEqual(['demo.back', 'demo.store']);
    // back listens once: its own socket is also the address of the link from front.
    expect(back.listen).toEqual([`unix:${path.join(status.runDir, 'back.sock')}`]);
    expect(front.listen).toEqual([`unix:${path.join(status.runDir, 'front.sock')}`]);
    expect(front.connect).toEqual([{ node: 'back', address: back.listen[0], codec: 'json', modules: ['demo.back', 'demo.store'] }]);
    expect(listDir(status.runDir)).toContain('status.json');

    const pids = status.nodes.map((n) => n.pid!);
    const result = await sup.stop('test asked');
    expect(result.ok).toBe(true);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(listDir(runRoot)).toEqual([]);
  });

  it('restarts a node killed with SIGKILL and reports the restart', async () => {
    const dir = tempDir('sup-kill-');
    const { sup, sink } = supervise({ name: 'demo', nodes: { solo: fakeNode(['demo.solo'], {}, { restart: quickRestart }) } }, dir);
    await sup.start();
    const firstPid = sup.status().nodes[0]!.pid!;
    process.kill(firstPid, 'SIGKILL');
    const node = await waitFor('restart', () => {
      const n = sup.status().nodes[0]!;
      return n.state === 'ready' && n.pid !== firstPid ? n : undefined;
    });
    expect(node.restarts).toBe(1);
    expect(node.lastExit).toBe('signal SIGKILL');
    expect(sink.text()).toMatch(/solo exited \(signal SIGKILL\); restart #1/);
    expect(sink.text()).toMatch(/solo ready \(pid \d+, modules: demo.solo, after 1 restart\(s\)\)/);
  });

  it('gives up after the restart cap and fails the application', async () => {
    const dir = tempDir('sup-cap-');
    const { sup, runRoot } = supervise({
      name: 'demo',
      nodes: {
        steady: fakeNode(['demo.steady']),
        flaky: fakeNode(['demo.flaky'], { FAKE_EXIT_AFTER_MS: '300', FAKE_EXIT_CODE: '3' }, { restart: quickRestart }),
      },
    }, dir);
    await sup.start();
    const result = await sup.done;
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/node "flaky" failed: exited \(code 3\) after 2 restart\(s\)/);
    expect(result.status.nodes.find((n) => n.name === 'flaky')).toMatchObject({ state: 'failed', restarts: 2 });
    expect(listDir(runRoot)).toEqual([]);
  });

  it('ends the application when the main node finishes', async () => {
    const dir = tempDir('sup-main-');
    const { sup } = supervise({
      name: 'demo',
      nodes: {
        worker: fakeNode(['demo.worker']),
        driver: fakeNode(['demo.driver'], { FAKE_EXIT_AFTER_MS: '400' }, { main: true }),
      },
    }, dir);
    await sup.start();
    const result = await sup.done;
    expect(result.ok).toBe(true);
    expect(result.reason).toBe('main node "driver" finished');
    expect(result.status.nodes.map((n) => [n.name, n.state])).toEqual([['worker', 'stopped'], ['driver', 'exited']]);
  });

  it('kills the whole process group, and SIGKILLs a node that ignores SIGTERM', async () => {
    const dir = tempDir('sup-group-');
    const grandchildren = path.join(dir, 'grandchildren');
    const { sup, sink } = supervise({
      name: 'demo',
      supervisor: { shutdown_grace_ms: 300 },
      nodes: { stubborn: fakeNode(['demo.s'], { FAKE_GRANDCHILD: grandchildren, FAKE_IGNORE_SIGTERM: '1' }) },
    }, dir);
    await sup.start();
    const pid = sup.status().nodes[0]!.pid!;
    const grandchild = Number(readFileSync(grandchildren, 'utf8').trim());
    expect(isAlive(grandchild)).toBe(true);
    await sup.stop('test asked');
    expect(sink.text()).toMatch(/stubborn did not stop within 300 ms: SIGKILL/);
    expect(isAlive(pid)).toBe(false);
    await waitFor('grandchild gone', () => !isAlive(grandchild), 2_000);
  });

  it('kills and restarts a node that never answers health', async () => {
    const dir = tempDir('sup-silent-');
    const { sup, sink } = supervise({
      name: 'demo',
      supervisor: { ready_timeout_ms: 400, restart: { max_restarts: 1, backoff_initial_ms: 10 } },
      nodes: { silent: fakeNode(['demo.silent'], { FAKE_NEVER_READY: '1' }) },
    }, dir);
    await expect(sup.start()).rejects.toThrow(/node "silent" failed/);
    expect(sink.text()).toMatch(/silent is not answering: no healthy answer on unix:.*silent.control.sock within 400 ms/);
    expect(sup.status().nodes[0]!.restarts).toBe(1);
  });

  it('kills and restarts a ready node that stops answering health', async () => {
    const dir = tempDir('sup-hung-');
    const { sup, sink } = supervise({
      name: 'demo',
      supervisor: { health_interval_ms: 100, unhealthy_after: 2 },
      nodes: { hung: fakeNode(['demo.hung'], { FAKE_HANG_AFTER_MS: '500' }, { restart: quickRestart }) },
    }, dir);
    await sup.start();
    const firstPid = sup.status().nodes[0]!.pid!;
    const node = await waitFor('restart', () => {
      const n = sup.status().nodes[0]!;
      return n.state === 'ready' && n.pid !== firstPid ? n : undefined;
    });
    expect(node).toMatchObject({ restarts: 1, lastExit: 'signal SIGKILL' });
    expect(sink.text()).toMatch(/hung stopped answering health \(2 checks in a row\): killing it/);
  });

  it("shows a Python node's output as it is printed, not when the node exits", async () => {
    const dir = tempDir('sup-python-');
    const printer = 'import time; print("hello from python"); time.sleep(60)';
    const { sup, sink } = supervise({
      name: 'demo',
      nodes: {
        py: { language: 'python', command: [PYTHON, '-c', printer], modules: ['demo.py'] },
        plug: { language: 'python', command: [PYTHON, '-c', printer], modules: ['demo.plug'] },
      },
      links: [{ from: 'py', to: 'plug', transport: 'stdio' }],
    }, dir);
    // It never answers health (it is not a node): only its output matters here. The supervisor's
    // own environment must not decide it.
    const inherited = process.env['PYTHONUNBUFFERED'];
    delete process.env['PYTHONUNBUFFERED'];
    try {
      sup.start().catch(() => undefined);
      await waitFor('the printed line', () => sink.lines.some((l) => l.source === 'py' && l.text === 'hello from python'), 15_000);
    } finally {
      if (inherited !== undefined) process.env['PYTHONUNBUFFERED'] = inherited;
    }
    // A Python plugin gets the same environment from its parent.
    const plan = JSON.parse(readFileSync(path.join(sup.status().runDir, 'py.node.json'), 'utf8'));
    expect(plan.plugins[0].env.PYTHONUNBUFFERED).toBe('1');
  }, 20_000);

  it('fails to start when a command does not exist, with a clear reason', async () => {
    const dir = tempDir('sup-enoent-');
    const { sup, sink } = supervise({
      name: 'demo',
      supervisor: { restart: { max_restarts: 0 } },
      nodes: { ghost: { language: 'python', command: ['/no/such/program'], modules: ['demo.g'] } },
    }, dir);
    await expect(sup.start()).rejects.toThrow(/could not start "\/no\/such\/program"/);
    expect(sink.text()).toMatch(/ghost exited \(could not start/);
  });
});

describe('after a supervisor died without stopping', () => {
  it('the next start kills the nodes it left and removes its run directory, and nothing else', async () => {
    const dir = tempDir('sup-stale-');
    const runRoot = path.join(dir, 'run');
    const staleDir = path.join(runRoot, 'demo-999999');
    mkdirSync(staleDir, { recursive: true });
    // A leftover node: its environment points into the stale run directory.
    const leftover = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { ...process.env, INTEROP_NODE_CONFIG: path.join(staleDir, 'a.node.json') } });
    // A process with a recorded pid but no such environment (as if the pid had been reused).
    const bystander = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const deadPid = spawnSync('true').pid!;
    writeFileSync(path.join(staleDir, 'status.json'), JSON.stringify({
      app: 'demo', config: '/x/app.json', supervisorPid: deadPid, state: 'ready', startedAt: 0, runDir: staleDir,
      nodes: [{ name: 'a', language: 'ts', modules: [], state: 'ready', restarts: 0, listen: [], pid: leftover.pid }, { name: 'b', language: 'ts', modules: [], state: 'ready', restarts: 0, listen: [], pid: bystander.pid }],
    }));
    try {
      const sink = new RecordingSink();
      const sup = new Supervisor(fakeApp({ name: 'demo', nodes: { solo: fakeNode(['demo.solo']) } }, dir), { probe: lineProbe, sink, runRoot });
      running.push(sup);
      await sup.start();
      expect(sink.text()).toContain(`cleaned up after a dead supervisor: demo (supervisor pid ${deadPid} is gone): killed leftover node(s) ${leftover.pid}, removed ${staleDir}`);
      await waitFor('leftover killed', () => !isAlive(leftover.pid!), 2_000);
      expect(isAlive(bystander.pid!)).toBe(true);
      expect(listDir(runRoot)).not.toContain('demo-999999');
    } finally {
      bystander.kill('SIGKILL');
      leftover.kill('SIGKILL');
    }
  });
});
