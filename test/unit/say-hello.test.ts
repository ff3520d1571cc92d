/**
 * sayHello (src/say-hello.ts): the hello race of connect(), with fake links and node:test's mock
 * timers, so each schedule is exact. The real case (a connect Chromium drops while a SharedWorker
 * closes) is proven in test/e2e/hub-lost-connect.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { sayHello } from '../../src/say-hello.js';
import type { HostLink } from '../../src/hosts/types.js';

interface FakeLink extends HostLink {
  readonly n: number;
  closed: boolean;
  watchdogStopped: boolean;
  answer(value: string): void;
  failWith(error: Error): void;
}

/** Links that answer only when told to; `opened` lists them in order. */
function fakeHost(retryHelloMs?: number) {
  const opened: FakeLink[] = [];
  const late: string[] = [];
  const answers = new Map<HostLink, { resolve(value: string): void; reject(error: Error): void }>();
  const open = (): HostLink => {
    const link: FakeLink = {
      n: opened.length + 1,
      kind: 'shared-worker',
      endpoint: {} as HostLink['endpoint'],
      failed: new Promise<never>(() => undefined),
      closed: false,
      watchdogStopped: false,
      answered: () => void (link.watchdogStopped = true),
      close: () => void (link.closed = true),
      answer: (value) => answers.get(link)!.resolve(value),
      failWith: (error) => answers.get(link)!.reject(error),
    };
    opened.push(link);
    return link;
  };
  const hello = (link: HostLink) => new Promise<string>((resolve, reject) => answers.set(link, { resolve, reject }));
  const race = sayHello({ host: { kind: 'shared-worker', retryHelloMs }, open, hello, late: (answer) => void late.push(answer), timeoutMs: 10_000 });
  race.catch(() => undefined);
  return { opened, late, race };
}

/** Lets settled promises run their callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('an answered first hello wins; no repeat is said', async () => {
  const { opened, race } = fakeHost(1000);
  opened[0]!.answer('first');
  assert.equal(await race, 'first');
  mock.timers.tick(20_000);
  assert.equal(opened.length, 1, 'no further link once answered');
});

test('unanswered, the hello is said again at 1 s, then 2 s and 4 s later; the first answer wins, a later one is handed back', async () => {
  const { opened, late, race } = fakeHost(1000);
  mock.timers.tick(999);
  assert.equal(opened.length, 1);
  mock.timers.tick(1);
  assert.equal(opened.length, 2, 'repeat at 1 s');
  mock.timers.tick(2000);
  assert.equal(opened.length, 3, 'then 2 s later');
  mock.timers.tick(4000);
  assert.equal(opened.length, 4, 'then 4 s later');
  opened[2]!.answer('third');
  assert.equal(await race, 'third');
  assert.ok(opened[0]!.watchdogStopped && opened[1]!.watchdogStopped && opened[3]!.watchdogStopped, "the other links' watchdogs stop");
  opened[0]!.answer('first, late');
  await flush();
  assert.deepEqual(late, ['first, late'], 'the late answer is handed back to be detached');
  mock.timers.tick(20_000);
  assert.equal(opened.length, 4, 'no repeat after a win');
});

test('a host without retryHelloMs says hello once', async () => {
  const { opened, race } = fakeHost(undefined);
  mock.timers.tick(9_999);
  assert.equal(opened.length, 1);
  mock.timers.tick(1);
  await assert.rejects(race, { code: 'TABMUX_ERR_NO_HOST', message: 'the shared-worker hub did not answer within 10000 ms' });
});

test('nothing answers within the timeout: NO_HOST, and every unanswered link is closed', async () => {
  const { opened, race } = fakeHost(1000);
  for (const step of [1000, 2000, 4000, 3000]) mock.timers.tick(step); // one tick per timer: 1, 3, 7, 10 s
  await assert.rejects(race, { code: 'TABMUX_ERR_NO_HOST' });
  assert.equal(opened.length, 4, 'links at 0, 1, 3, 7 s');
  assert.ok(opened.every((link) => link.closed), 'all closed');
});

test('a link that fails (the script does not load) fails the race at once, without waiting for the repeats', async () => {
  const { opened, race } = fakeHost(1000);
  mock.timers.tick(1000);
  opened[0]!.failWith(new Error('the hub script failed to load'));
  await assert.rejects(race, /failed to load/);
  mock.timers.tick(20_000);
  assert.equal(opened.length, 2, 'no repeat after the failure');
});

test('open() throwing (e.g. a SecurityError) is a failure, not an exception out of a timer', async () => {
  let calls = 0;
  const race = sayHello<string>({
    host: { kind: 'shared-worker', retryHelloMs: 1000 },
    open: () => {
      calls++;
      throw new DOMException('cross-origin script', 'SecurityError');
    },
    hello: () => new Promise(() => undefined),
    late: () => undefined,
    timeoutMs: 10_000,
  });
  await assert.rejects(race, { name: 'SecurityError' });
  mock.timers.tick(20_000);
  assert.equal(calls, 1);
});
