// A leader-host follower sends what its tab posts at once once the hub has answered
// (src/hosts/deferred-link.ts `answered`, src/hosts/leader/follower.ts `send`): a page's own
// event loop relays its port otherwise, and a page busy in a long run of one-tab handlers, then
// closed, would never relay the acknowledgements it queued meanwhile (README, One tab per message).
// In Node with its real MessageChannel and BroadcastChannel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferredLink } from '../../src/hosts/deferred-link.js';
import { createFollower } from '../../src/hosts/leader/follower.js';
import { startAcceptor } from '../../src/hosts/leader/acceptor.js';
import { waitFor } from '../helpers/wait.js';

test('deferredLink: from the hub answer on, the tab posts through the wired `send`, in its own task; before, through the port', async () => {
  const sent: unknown[] = [];
  const viaPort: unknown[] = [];
  const link = deferredLink('leader', async (port) => {
    port.onmessage = (event) => viaPort.push(event.data);
    return { close: () => port.close(), send: (data) => sent.push(data) };
  });
  const endpoint = link.endpoint as MessagePort;
  endpoint.postMessage('hello');
  await waitFor('the hello through the port', () => viaPort.length === 1, 5000);
  link.answered?.();
  endpoint.postMessage('handled 1');
  assert.deepEqual(sent, ['handled 1'], 'taken at once, before this task ends');
  assert.deepEqual(viaPort, ['hello']);
  link.close();
});

test('deferredLink: a host without `send` keeps its port (direct)', async () => {
  const viaPort: unknown[] = [];
  const link = deferredLink('direct', async (port) => {
    port.onmessage = (event) => viaPort.push(event.data);
    return { close: () => port.close() };
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  link.answered?.();
  (link.endpoint as MessagePort).postMessage('still the port');
  await waitFor('the message through the port', () => viaPort.length === 1, 5000);
  link.close();
});

test('follower: messages sent directly after the answer reach the leader in order, after those that came through the port', async () => {
  const name = 'unit-follower-direct-send';
  const follower = createFollower({ name, peer: 'page-direct' });
  const seen: unknown[] = [];
  const acceptor = startAcceptor({
    name,
    leader: 'leader-1',
    version: '0.1.0',
    serve: (port) => {
      port.onmessage = (event) => {
        seen.push(event.data);
        if (event.data === 'hello') port.postMessage('answer');
      };
    },
  });
  try {
    const tab = new MessageChannel();
    const link = follower.link(tab.port2);
    const answered = new Promise((resolve) => (tab.port1.onmessage = resolve));
    tab.port1.postMessage('hello');
    await answered;
    for (const n of [1, 2, 3]) link.send(`handled ${n}`, []);
    await waitFor('the three acknowledgements at the leader', () => seen.length >= 4, 5000);
    assert.deepEqual(seen, ['hello', 'handled 1', 'handled 2', 'handled 3']);
    link.close();
    tab.port1.close();
    await waitFor('the leader to drop the closed link', () => acceptor.links === 0, 5000);
  } finally {
    acceptor.close();
    follower.close();
  }
});
