// The leader host's port tunnel, in Node with Node's own BroadcastChannel and MessageChannel (real
// ones: the same structured clone, no transfer list on BroadcastChannel). Comlink runs on top
// unchanged: a call, a transferred port and a proxy() callback cross; a follower's messages
// posted before any leader exists arrive once, in order; a hello its leader never answered goes
// to the next leader, ports and all; closed links leave nothing behind on either side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expose, proxy, transfer, wrap, type Remote } from 'comlink';
import { createPortTunnel, type PortTunnel } from '../../src/hosts/leader/port-tunnel.js';
import { createFollower } from '../../src/hosts/leader/follower.js';
import { startAcceptor, type Acceptor } from '../../src/hosts/leader/acceptor.js';
import { isEnvelope, type LinkEnvelope } from '../../src/hosts/leader/protocol.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

interface Api {
  add(a: number, b: number): number;
  /** Answers every 'ping' on `port` with 'pong'. */
  echo(port: MessagePort): void;
  /** Calls the tab's callback with 21. */
  call(callback: (n: number) => number | Promise<number>): Promise<number>;
}

const api: Api = {
  add: (a, b) => a + b,
  echo(port) {
    port.onmessage = (event) => {
      if (event.data === 'ping') port.postMessage('pong');
    };
  },
  call: async (callback) => await callback(21),
};

/** Two tunnels, one per end, over one BroadcastChannel name (two objects: a channel skips its sender only). */
function pairOfTunnels(name: string): { tab: PortTunnel; hub: PortTunnel; close(): void } {
  const tabSide = new BroadcastChannel(name);
  const hubSide = new BroadcastChannel(name);
  const tab = createPortTunnel((envelope) => tabSide.postMessage(envelope));
  const hub = createPortTunnel((envelope) => hubSide.postMessage(envelope));
  tabSide.onmessage = ({ data }) => isEnvelope(data) && tab.receive(data as LinkEnvelope);
  hubSide.onmessage = ({ data }) => isEnvelope(data) && hub.receive(data as LinkEnvelope);
  return {
    tab,
    hub,
    close: () => {
      tabSide.close();
      hubSide.close();
    },
  };
}

async function exercise(remote: Remote<Api>): Promise<void> {
  assert.equal(await withTimeout(remote.add(1, 2), 5000, 'add()'), 3, 'a plain call');
  const { port1, port2 } = new MessageChannel();
  await withTimeout(remote.echo(transfer(port2, [port2])), 5000, 'echo()');
  const pong = new Promise((resolve) => (port1.onmessage = (event) => resolve(event.data)));
  port1.postMessage('ping');
  assert.equal(await withTimeout(pong, 5000, 'pong on the transferred port'), 'pong', 'a transferred port works across');
  port1.close();
  assert.equal(await withTimeout(remote.call(proxy((n: number) => n * 2)), 5000, 'call()'), 42, 'a proxy() callback is called back across');
}

test('Comlink through a bare tunnel: call, transferred port, proxy callback; close drops every link on both ends', async () => {
  const { tab, hub, close } = pairOfTunnels('unit-tunnel-bare');
  try {
    const tabChannel = new MessageChannel();
    const hubChannel = new MessageChannel();
    tab.attach('root', tabChannel.port2);
    hub.attach('root', hubChannel.port2, () => hubChannel.port1.close());
    expose(api, hubChannel.port1);
    await exercise(wrap<Api>(tabChannel.port1));
    assert.ok(hub.size > 1, `ports became links of their own (hub side has ${hub.size})`);
    tab.close('root');
    await waitFor('the hub end to drop the link and the ones born in it', () => hub.size === 0, 5000);
    assert.equal(tab.size, 0, 'the tab end dropped them too');
    tabChannel.port1.close();
  } finally {
    close();
  }
});

test('follower → acceptor: messages posted before any leader exists arrive once, in order; Comlink works over the link', async () => {
  const name = 'unit-follower-early';
  const follower = createFollower({ name, peer: 'page-a' });
  let acceptor: Acceptor | undefined;
  try {
    const { port1, port2 } = new MessageChannel();
    const closeLink = follower.link(port2).close;
    for (let n = 0; n < 5; n++) port1.postMessage({ n });
    const seen: number[] = [];
    let served = 0;
    // The leader comes later: its announcement makes the follower ask again.
    acceptor = startAcceptor({
      name,
      leader: 'leader-1',
      version: '0.1.0',
      serve: (port) => {
        served++;
        port.onmessage = (event) => seen.push((event.data as { n: number }).n);
      },
    });
    await waitFor('the 5 early messages at the leader', () => seen.length >= 5, 5000);
    port1.postMessage({ n: 5 });
    await waitFor('a 6th, later message', () => seen.length >= 6, 5000);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5], 'each once, in order');
    assert.equal(served, 1, 'one link served, however often it was opened');
    closeLink();
    port1.close();
    await waitFor('the leader to drop the closed link', () => acceptor!.links === 0, 5000);
    assert.equal(follower.links, 0);

    // And Comlink over a follower link, the way connect.ts uses it.
    acceptor.close();
    acceptor = startAcceptor({ name, leader: 'leader-2', version: '0.1.0', serve: (port) => expose(api, port) });
    const channel = new MessageChannel();
    const { close } = follower.link(channel.port2);
    await exercise(wrap<Api>(channel.port1));
    close();
    channel.port1.close();
    await waitFor('no link left at the leader', () => acceptor!.links === 0, 5000);
  } finally {
    acceptor?.close();
    follower.close();
  }
});

test('a hello the leader never answered goes to the next leader, transferred port included', async () => {
  const name = 'unit-follower-handoff';
  const follower = createFollower({ name, peer: 'page-b' });
  // The first leader accepts and takes the message, then dies without answering.
  let heardByFirst = 0;
  const first = startAcceptor({ name, leader: 'leader-1', version: '0.1.0', serve: (port) => (port.onmessage = () => heardByFirst++) });
  let second: Acceptor | undefined;
  try {
    const tab = new MessageChannel();
    follower.link(tab.port2);
    const data = new MessageChannel();
    tab.port1.postMessage({ hello: true, dataPort: data.port2 }, [data.port2]);
    await waitFor('the first leader to get the hello', () => heardByFirst === 1, 5000);
    first.close();
    const got: unknown[] = [];
    second = startAcceptor({
      name,
      leader: 'leader-2',
      version: '0.1.0',
      serve: (port) => {
        port.onmessage = (event) => {
          got.push(event.data);
          (event.data as { dataPort: MessagePort }).dataPort.postMessage('batch');
          port.postMessage('answer');
        };
      },
    });
    const batch = new Promise((resolve) => (data.port1.onmessage = (event) => resolve(event.data)));
    const answer = new Promise((resolve) => (tab.port1.onmessage = (event) => resolve(event.data)));
    assert.equal(await withTimeout(answer, 5000, 'the second leader to answer'), 'answer');
    assert.equal(await withTimeout(batch, 5000, 'a batch on the re-sent data port'), 'batch', 'the data port works with the new leader');
    assert.equal(got.length, 1, 'the new leader got the hello once');
    tab.port1.close();
    data.port1.close();
  } finally {
    second?.close();
    first.close();
    follower.close();
  }
});

test('stray messages on the channels are ignored, not thrown on', async () => {
  const name = 'unit-stray';
  let served = 0;
  const acceptor = startAcceptor({ name, leader: 'l', version: '0.1.0', serve: () => served++ });
  const stray = new BroadcastChannel(`tabmux-leader:${name}:hub`);
  try {
    const junk = [null, 1, 'x', { type: 'open' }, { type: 'open', link: 5, peer: 'p' }, { type: 'message', link: 'nope', ports: [1], peer: 'p' }, { type: 'message', link: 'nope', ports: [], peer: 'p' }, { type: 'close', link: 'x', peer: 'p' }, { type: 'accepted', link: 'x', peer: 'p' }];
    for (const message of junk) stray.postMessage(message);
    // A valid open after the junk (same sender, so delivered after it): served means the acceptor
    // lived through all of it (a throw in its handler fails this test as an uncaught exception).
    stray.postMessage({ type: 'open', link: 'ok', peer: 'p' });
    await waitFor('the valid open after the junk', () => served === 1, 5000);
    assert.equal(acceptor.links, 1, 'only the valid open made a link');
  } finally {
    stray.close();
    acceptor.close();
  }
});

test('adopt: a page just elected serves its own unanswered links locally — early messages once, in order, ports working — and tunnels them no more', async () => {
  const follower = createFollower({ name: 'unit-adopt', peer: 'page-c' });
  try {
    const tab = new MessageChannel();
    const closeLink = follower.link(tab.port2).close;
    const data = new MessageChannel();
    tab.port1.postMessage({ n: 0, dataPort: data.port2 }, [data.port2]);
    tab.port1.postMessage({ n: 1 });
    assert.equal(follower.links, 1);
    const seen: number[] = [];
    follower.adopt((port) => {
      port.onmessage = (event) => {
        const message = event.data as { n: number; dataPort?: MessagePort };
        seen.push(message.n);
        message.dataPort?.postMessage('batch');
        port.postMessage(`answer ${message.n}`);
      };
    });
    assert.equal(follower.links, 0, 'no longer tunnelled');
    const batch = new Promise((resolve) => (data.port1.onmessage = (event) => resolve(event.data)));
    const answers: unknown[] = [];
    tab.port1.onmessage = (event) => answers.push(event.data);
    tab.port1.postMessage({ n: 2 });
    await waitFor('three answers', () => answers.length >= 3, 5000);
    assert.deepEqual(seen, [0, 1, 2], 'each once, in order, the early ones first');
    assert.deepEqual(answers, ['answer 0', 'answer 1', 'answer 2']);
    assert.equal(await withTimeout(batch, 5000, 'a batch on the data port'), 'batch', 'the port posted before the adoption works');
    closeLink();
    tab.port1.close();
    data.port1.close();
  } finally {
    follower.close();
  }
});
