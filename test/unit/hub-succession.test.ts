// Succession between hubs of one name (worker/hub-succession.ts) in Node: the ordering, the
// retire decisions over a real BroadcastChannel (global in Node 20), the upstream lock as FIFO,
// and the Hub's upstream gate and retire() with the fakes of hub.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareHubs, retiresForTab, startSuccession, tabVersionCheck, upstreamLock, type HubIdentity, type Succession } from '../../worker/hub-succession.js';
import type { LocksLike, UpstreamGate } from '../../worker/platform.js';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { flush, id, makeHub } from '../helpers/hub-fakes.js';
import { withTimeout } from '../helpers/wait.js';

const OLD: HubIdentity = { version: '0.0.9', scriptUrl: 'http://app.test/v1/tabmux-worker.js', hubId: 'old' };
const NEW: HubIdentity = { version: '0.1.0', scriptUrl: 'http://app.test/v2/tabmux-worker.js', hubId: 'new' };

const WAIT_MS = 5000;

/** `retired` resolves with what `retire` was called with. */
function retirement(): { retire: (newer: HubIdentity) => void; retired: Promise<HubIdentity>; calls: HubIdentity[] } {
  const calls: HubIdentity[] = [];
  let resolve!: (hub: HubIdentity) => void;
  const retired = new Promise<HubIdentity>((r) => (resolve = r));
  return {
    calls,
    retire: (newer) => {
      calls.push(newer);
      resolve(newer);
    },
    retired,
  };
}

/** Resolves with the next message seen on `tabmux-hubs:<name>` of the given type; fails after 5 s. */
function nextOnChannel(name: string, type: string): Promise<unknown> {
  const channel = new BroadcastChannel(`tabmux-hubs:${name}`);
  const next = new Promise<unknown>((resolve) => {
    channel.onmessage = (event: MessageEvent) => {
      if ((event.data as { type?: string }).type === type) resolve(event.data);
    };
  });
  return withTimeout(next, WAIT_MS, `a ${type} on the channel`).finally(() => channel.close());
}

function post(name: string, message: unknown): void {
  const channel = new BroadcastChannel(`tabmux-hubs:${name}`);
  channel.postMessage(message);
  channel.close();
}

let names = 0;
const uniqueName = () => `tabmux:sse:http://push.test/${names++}`;

type Start = (self: HubIdentity, retire: (newer: HubIdentity) => void, name?: string) => Succession;

/** Runs `body` with a fresh hub name and `start`, which starts a hub's succession on it (or on `name`); every hub started is closed after. */
async function withHubs(body: (start: Start, name: string) => Promise<void>): Promise<void> {
  const name = uniqueName();
  const hubs: Succession[] = [];
  const start: Start = (self, retire, other = name) => {
    const hub = startSuccession({ name: other, self, retire });
    hubs.push(hub);
    return hub;
  };
  try {
    await body(start, name);
  } finally {
    for (const hub of hubs) hub.close();
  }
}

test('hubs order by version, then by script URL; the same identity is a tie', () => {
  assert.ok(compareHubs(NEW, OLD) > 0);
  assert.ok(compareHubs(OLD, NEW) < 0);
  assert.ok(compareHubs({ ...OLD, version: '0.10.0' }, { ...OLD, version: '0.9.0' }) > 0, 'numeric, not lexical');
  const a = { ...NEW, scriptUrl: 'http://app.test/a.js' };
  const b = { ...NEW, scriptUrl: 'http://app.test/b.js' };
  assert.ok(compareHubs(b, a) > 0 && compareHubs(a, b) < 0, 'same version: a fixed order both hubs agree on');
  assert.equal(compareHubs(NEW, { ...NEW, hubId: 'other' }), 0);
});

test('a hub retires for a newer tab only, and never for a tab moved already (acceptOlder)', () => {
  assert.equal(retiresForTab('0.1.0', { version: '0.2.0' }), true);
  assert.equal(retiresForTab('0.1.0', { version: '0.1.0' }), false);
  assert.equal(retiresForTab('0.1.0', { version: '0.0.9' }), false);
  assert.equal(retiresForTab('0.1.0', { version: '0.2.0', acceptOlder: true }), false, 'loop guard: the HTTP cache served the old script again');
  assert.equal(retiresForTab('0.1.0', {}), false, 'a tab older than the handshake says no version');
});

test('once a tab says acceptOlder (the URL served the old script again), the hub retires for no newer tab: no restart loop', () => {
  const retires = tabVersionCheck('0.1.0');
  assert.equal(retires({ version: '0.2.0', acceptOlder: true }), false);
  assert.equal(retires({ version: '0.2.0' }), false, 'a newer tab not moved yet would only restart the same stale script');
  const fresh = tabVersionCheck('0.1.0');
  assert.equal(fresh({ version: '0.0.9' }), false);
  assert.equal(fresh({ version: '0.2.0' }), true, 'without that sign, a newer tab makes it retire');
});

test('an old hub running hears a newer one start, and retires for it; the newer one stays', () =>
  withHubs(async (start, name) => {
    const old = retirement();
    const fresh = retirement();
    const oldHub = start(OLD, old.retire);
    start(NEW, fresh.retire);
    assert.deepEqual(await withTimeout(old.retired, WAIT_MS, 'the old hub to retire'), NEW, 'moved to the newer hub');
    assert.deepEqual(oldHub.retiredFor, NEW);
    // Anything more the old hub would post arrives after its retire: one more round trip.
    const here = nextOnChannel(name, 'hub-here');
    post(name, { type: 'hub-started', hub: { ...OLD, hubId: 'probe' } });
    assert.deepEqual(((await here) as { hub: HubIdentity }).hub, NEW, 'the newer hub answers a later old one');
    assert.deepEqual(fresh.calls, [], 'the newer hub never retires');
    assert.equal(old.calls.length, 1, 'retire is called once');
  }));

test('an old hub starting while a newer one runs is answered, and retires at once', () =>
  withHubs(async (start) => {
    const fresh = retirement();
    const old = retirement();
    start(NEW, fresh.retire);
    start(OLD, old.retire);
    assert.deepEqual(await withTimeout(old.retired, WAIT_MS, 'the old hub to retire'), NEW);
    assert.deepEqual(fresh.calls, []);
  }));

test('equal hubs, other names and garbage on the channel retire nobody', () =>
  withHubs(async (start, name) => {
    const a = retirement();
    const b = retirement();
    start(OLD, a.retire);
    start(NEW, a.retire, uniqueName());
    start({ ...OLD, hubId: 'twin' }, b.retire);
    for (const junk of [null, 42, 'hub-started', { type: 'hub-started' }, { type: 'hub-started', hub: { version: 1 } }, { type: 'nope', hub: NEW }]) post(name, junk);
    // A lower hub's start is answered by OLD (and its twin): once the answer arrived, so had all of the above.
    const here = nextOnChannel(name, 'hub-here');
    post(name, { type: 'hub-started', hub: { ...OLD, version: '0.0.1' } });
    await here;
    assert.deepEqual([a.calls, b.calls], [[], []]);
  }));

/** Web Locks' exclusive FIFO semantics, for one name at a time, as the browser gives them. */
function fifoLocks(): LocksLike & { held: () => number } {
  const queues = new Map<string, Array<() => void>>();
  let held = 0;
  return {
    held: () => held,
    // Exclusive only: the options form (shared mode) is not used by the code under test.
    request(name: string, ...rest: [() => unknown] | [object, () => unknown]) {
      const callback = rest[rest.length - 1] as () => unknown;
      return new Promise((resolve) => {
        const run = () => {
          held++;
          void Promise.resolve(callback()).then((value) => {
            held--;
            resolve(value);
            const queue = queues.get(name)!;
            queue.shift();
            queue[0]?.();
          });
        };
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        queue.push(run);
        if (queue.length === 1) run();
      });
    },
  };
}

test('the upstream lock: the second hub is granted only once the first gives it back; a dropped wait lets go at once', async () => {
  const locks = fifoLocks();
  const first = upstreamLock(locks, 'tabmux-upstream:shared-worker:x');
  const second = upstreamLock(locks, 'tabmux-upstream:shared-worker:x');
  const third = upstreamLock(locks, 'tabmux-upstream:shared-worker:x');
  const granted: string[] = [];
  const releaseFirst = first.acquire(() => granted.push('first'));
  const releaseSecond = second.acquire(() => granted.push('second'));
  await flush();
  assert.deepEqual(granted, ['first']);
  releaseSecond(); // the second hub retired while it waited
  third.acquire(() => granted.push('third'));
  releaseFirst();
  await flush();
  assert.deepEqual(granted, ['first', 'third'], 'the dropped request was skipped, not granted');
  assert.equal(locks.held(), 1);
});

/** A gate the test opens by hand, recording what the hub did with it. */
function manualGate(): UpstreamGate & { grant(): void; asked: number; released: number } {
  let granted: (() => void) | undefined;
  const gate = {
    asked: 0,
    released: 0,
    grant: () => granted?.(),
    acquire(onGranted: () => void) {
      gate.asked++;
      granted = onGranted;
      return () => {
        gate.released++;
        granted = undefined;
      };
    },
  };
  return gate;
}

test('a hub with an upstream gate waits in connecting without an upstream, opens once granted, gives it back when idle', async () => {
  const gate = manualGate();
  const { hub, clock, server, tab } = makeHub('sse', { upstreamGate: gate });
  const a = tab('a');
  void hub.subscribe('a', 'prices');
  await clock.tick(10);
  assert.deepEqual(a.states, [], 'idle and waiting both read as connecting: nothing to tell');
  assert.equal(server.opened.length, 0, 'no upstream while another hub may hold one');
  assert.equal(hub.state, 'connecting');
  assert.equal(gate.asked, 1);
  await clock.tick(5000);
  assert.equal(gate.asked, 1, 'asked once, however long it waits');
  gate.grant();
  assert.equal(server.opened.length, 1, 'granted: the upstream opens');
  server.last.handlers.open(id(1));
  await flush();
  assert.equal(hub.state, 'open');
  hub.unsubscribe('a', 'prices');
  await clock.tick(2000);
  assert.equal(hub.state, 'idle');
  assert.equal(gate.released, 1, 'no upstream: the right is given back');
  assert.ok(server.opened.every((u) => u.closed));
  void hub.subscribe('a', 'prices');
  await clock.tick(10);
  assert.equal(gate.asked, 2, 'asked again for the next upstream');
  assert.deepEqual(a.states, ['open', 'connecting']);
});

test('retire(): every tab is told where to go, then the hub closes its upstream and gives the gate back', async () => {
  const gate = manualGate();
  const { hub, clock, server, tab } = makeHub('sse', { upstreamGate: gate });
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'prices');
  await clock.tick(10);
  gate.grant();
  server.last.handlers.open(id(1));
  await flush();
  hub.retire('http://app.test/v2/tabmux-worker.js');
  await flush();
  for (const t of [a, b]) {
    const tail = t.events.slice(-2);
    assert.deepEqual(tail, [{ type: 'moved', workerUrl: 'http://app.test/v2/tabmux-worker.js' }, { type: 'state', state: 'closed' }], 'moved first, then closed');
  }
  assert.equal(server.last.closed, true);
  assert.equal(gate.released, 1);
  assert.equal(clock.pending, 0, 'no timer left');
  hub.retire('http://app.test/v2/tabmux-worker.js'); // a tab attaching late is told again
  await flush();
  assert.equal(a.events.filter((e) => e.type === 'moved').length, 2);
  assert.equal(hub.debug().version, TABMUX_VERSION);
});
