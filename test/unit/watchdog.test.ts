// Heartbeat watchdog, offline/online and saveData backoff in the real hub, with the fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatWatchdog, heartbeatWindowMs } from '../../worker/heartbeat-watchdog.js';
import { FakeClock, flush, id, makeHub } from '../helpers/hub-fakes.js';

test('window: 2 × the server heartbeat + 5 s; default server heartbeat 25 s', () => {
  assert.equal(heartbeatWindowMs(), 55_000);
  assert.equal(heartbeatWindowMs(1), 7000);
});

test('the watchdog fires after a full window of silence, and activity pushes it back', async () => {
  const clock = new FakeClock();
  let fired = 0;
  const dog = new HeartbeatWatchdog(clock, 1000, () => fired++);
  dog.start();
  await clock.tick(900);
  dog.kick();
  await clock.tick(900);
  assert.equal(fired, 0, 'a kick 900 ms in moved the deadline to 1900');
  await clock.tick(100);
  assert.equal(fired, 1);
  dog.start();
  dog.stop();
  await clock.tick(5000);
  assert.equal(fired, 1, 'stopped: never fires');
});

test('hub: a silent SSE upstream is closed after the window and a new one opens from the cursors', async () => {
  const { clock, server, tab, hub } = makeHub('sse', { heartbeatWindowMs: 1000 });
  const a = tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  server.last.handlers.message({ channel: 'x', id: id(2), data: 0 });
  for (let i = 0; i < 5; i++) {
    await clock.tick(800);
    server.last.handlers.activity?.(); // a `:` heartbeat comment
  }
  assert.equal(server.opened.length, 1, 'heartbeats keep it alive');
  const silent = server.last;
  await clock.tick(1000);
  assert.equal(silent.closed, true, 'the silent upstream was given up');
  await clock.tick(1000); // backoff: random 0.5 × 1 s base
  assert.equal(server.opened.length, 2, 'reconnected');
  assert.deepEqual([...server.last.request.channels], [['x', id(2)]]);
  server.last.handlers.open(id(2));
  await flush();
  assert.equal(hub.state, 'open');
  assert.deepEqual(a.messages, ['x:e1-2']);
});

test('hub: no reconnect attempt while offline, whatever the backoff; exactly one at once on online', async () => {
  let offline: (() => void) | undefined;
  const { clock, server, tab, hub, goOnline } = makeHub('sse', {}, {
    onOffline: (listener) => {
      offline = listener;
      return () => (offline = undefined);
    },
  });
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  offline?.();
  server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'network down' });
  assert.equal(hub.state, 'backoff');
  await clock.tick(3_600_000);
  assert.equal(server.opened.length, 1, 'an hour offline: no attempt');
  goOnline();
  assert.equal(server.opened.length, 2, 'one immediate attempt on online');
  goOnline();
  await clock.tick(10);
  assert.equal(server.opened.length, 2, 'a second online event while connecting adds nothing');
});

test('hub: a tab reporting offline/online stops and restarts the attempts too', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  const report = { visible: true, keepAlive: false, pauseAfterMs: 60_000, saveData: false };
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  hub.setLifecycle('a', { ...report, online: false });
  server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'network down' });
  await clock.tick(600_000);
  assert.equal(server.opened.length, 1);
  hub.setLifecycle('a', { ...report, online: true });
  assert.equal(server.opened.length, 2);
});

test('hub: saveData doubles the backoff delay', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  hub.setLifecycle('a', { visible: true, keepAlive: false, pauseAfterMs: 60_000, saveData: true, online: true });
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'down' });
  await clock.tick(999); // random 0.5 × base 1000 = 500 ms; × 2 for saveData = 1000 ms
  assert.equal(server.opened.length, 1, 'not at the usual 500 ms');
  await clock.tick(1);
  assert.equal(server.opened.length, 2);
});

test('hub: five tabs share one backoff budget: three failures make three reconnects, not fifteen', async () => {
  const { clock, server, tab, hub } = makeHub();
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    tab(name);
    void hub.subscribe(name, 'x');
  }
  await clock.tick(10);
  assert.equal(server.opened.length, 1);
  for (let failure = 1; failure <= 3; failure++) {
    server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'down' });
    await clock.tick(60_000); // longer than any delay of the sequence (cap 30 s)
    assert.equal(server.opened.length, 1 + failure, `after failure ${failure}: one attempt for five tabs`);
  }
});
