// docs/wire.md §1.1 / §6: a CANCEL with the correlation id of a SUBSCRIBE withdraws the
// subscription it registered, so a subscribe that timed out on the caller's side leaves nothing
// behind on the serving side. Over real unix sockets.

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import type { Connection } from '../../runtime-ts/src/node/connection.js';
import { CodecId, EMPTY_PAYLOAD, FrameKind } from '../../runtime-ts/src/wire/frame.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { pair, sleep, type Pair } from './harness.js';

const calc = calcModule();
const TICK = 'test.calc.tick';
const BELL = 'test.calc.bell';
let current: Pair | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function calcPair(clientDeadlineMs = 30_000) {
  current = await pair({ serverHosts: [{ descriptor: calc, handlers: calcHandlers() }], client: { wants: [calc], codec: 'json' }, clientLimits: { defaultDeadlineMs: clientDeadlineMs } });
  return current;
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

/** Frames sent by hand from the client, with chosen correlation ids (its own start at 1). */
const subscribe = (client: Connection, correlation: number, target: string) =>
  client.send({ kind: FrameKind.SUBSCRIBE, codec: CodecId.json, flags: 0, correlation, timeoutMs: 0, target, payload: EMPTY_PAYLOAD });
const cancel = (client: Connection, correlation: number) =>
  client.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
const ping = (client: Connection, correlation: number) =>
  client.send({ kind: FrameKind.PING, codec: CodecId.none, flags: 0, correlation, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });

describe('CANCEL of a SUBSCRIBE', () => {
  it('a subscribe that timed out on the client leaves no subscription on the server, and no EVENT is sent for it', async () => {
    const { client, server, clientServices, serverServices } = await calcPair(100);
    // The server reads nothing for a while: the SUBSCRIBE is not answered within its deadline.
    server.pause();
    const started = Date.now();
    const error = (await client.subscribe(calc, calc.events['tick']!, () => undefined).catch((e: unknown) => e)) as InteropError;
    expect(error.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1000);
    // Reading again, the server gets SUBSCRIBE (registered, answered) then the client's CANCEL.
    server.resume();
    await until(() => clientServices.counters['late_responses'] === 1, 'the late RESPONSE to the SUBSCRIBE');
    expect([...server.server.remoteSubs.keys()]).toEqual([]);
    expect(server.server.removeSink).toBeUndefined();
    expect(serverServices.counters['late_cancels']).toBe(0);

    serverServices.hub.publish(calc, calc.events['tick']!, 7);
    expect(await client.ping()).toBeGreaterThanOrEqual(0); // anything sent before the PONG has arrived
    expect(clientServices.counters['unsolicited_events']).toBe(0);
  });

  it('withdraws only the subscription that SUBSCRIBE registered, while its id still names it', async () => {
    const { client, server, serverServices } = await calcPair();
    const subs = () => [...server.server.remoteSubs.keys()].sort();
    const sync = () => client.ping(); // frames are read in order: after the PONG, what came before is handled

    subscribe(client, 9001, TICK);
    subscribe(client, 9002, BELL);
    cancel(client, 9002);
    await sync();
    expect(subs()).toEqual([TICK]);
    expect(serverServices.counters['late_cancels']).toBe(0);

    // The client starts another exchange with 9001 (a PING): a CANCEL 9001 now means that one.
    ping(client, 9001);
    cancel(client, 9001);
    await sync();
    expect(subs()).toEqual([TICK]);
    expect(serverServices.counters['late_cancels']).toBe(1);

    // A later SUBSCRIBE for the same target takes it over: the earlier id no longer names it.
    subscribe(client, 9003, BELL);
    subscribe(client, 9004, BELL);
    cancel(client, 9003);
    await sync();
    expect(subs()).toEqual([BELL, TICK]);
    expect(serverServices.counters['late_cancels']).toBe(2);
    cancel(client, 9004);
    await sync();
    expect(subs()).toEqual([TICK]);

    // After an UNSUBSCRIBE, a CANCEL of its SUBSCRIBE finds nothing to withdraw.
    subscribe(client, 9005, BELL);
    client.send({ kind: FrameKind.UNSUBSCRIBE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target: BELL, payload: EMPTY_PAYLOAD });
    cancel(client, 9005);
    await sync();
    expect(subs()).toEqual([TICK]);
    expect(serverServices.counters['late_cancels']).toBe(3);
  });
});

describe('the first EVENT after a SUBSCRIBE is answered', () => {
  it('reaches the handler when it is read together with the RESPONSE (interop emit publishes at once)', async () => {
    const { client, server, clientServices, serverServices } = await calcPair();
    // The client reads nothing until both frames wait for it: one read holds RESPONSE and EVENT.
    client.pause();
    const got: unknown[] = [];
    const subscribed = client.subscribe(calc, calc.events['tick']!, (n) => void got.push(n));
    await until(() => server.server.remoteSubs.has(TICK), 'the SUBSCRIBE on the server');
    serverServices.hub.publish(calc, calc.events['tick']!, 7);
    await sleep(50);
    client.resume();
    await subscribed;
    await until(() => got.length === 1, 'the event');
    expect(got).toEqual([7]);
    expect(clientServices.counters['unsolicited_events']).toBe(0);
  });
});
