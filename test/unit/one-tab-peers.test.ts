// One-tab delivery across tabs that each run their own hub: the `direct` host (worker/one-tab-peers.ts,
// README "One tab per message"), in Node with a fake clock and a fake BroadcastChannel that the test
// delivers, holds or cuts. Each tab of the test gets every message from "its upstream" (the test),
// hands what its tab logic gives it to "its page" (a handler that acknowledges after some work), and
// every handler call of every tab is logged: each message must be handled by exactly one tab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flush, id, makeHub } from '../helpers/hub-fakes.js';
import { CLAIM_MS, JOIN_MS, KEEP_MAX, OneTabPeers, PING_MS, STORED_MARK_MS, SUSPECT_MS, type MarkStore, type PeerBus, type PeersHost } from '../../worker/one-tab-peers.js';
import type { WireMessage } from '../../src/protocol/wire.js';
import type { HubEvent } from '../../src/hub-protocol/hub-api.js';
import type { TabLifecycle } from '../../src/hub-protocol/lifecycle.js';

const CHANNEL = 'n';

/**
 * A BroadcastChannel for the test: what one endpoint posts goes to every other endpoint's inbox (in
 * order: one sender's messages arrive as sent), and reaches it when the test delivers.
 */
class FakeBus {
  readonly endpoints: Endpoint[] = [];
  /** While held, nothing is delivered (every event loop busy). */
  held = false;

  endpoint(): Endpoint {
    const endpoint = new Endpoint(this);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  /** Delivers what was posted, and what that makes the tabs post, until nothing is left. */
  deliver(): void {
    for (let more = !this.held; more && !this.held; ) {
      more = false;
      for (const to of this.endpoints) {
        if (to.paused || to.closed || to.cut) continue;
        const entry = to.inbox.shift();
        if (entry === undefined) continue;
        more = true;
        to.onmessage?.({ data: entry.data } as MessageEvent);
      }
    }
  }
}

class Endpoint implements PeerBus {
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;
  /** Crashed: what it posts from now on goes nowhere, and it gets nothing. */
  cut = false;
  /** Its page does not run (a debugger pause, a long task): its messages wait in its inbox. */
  paused = false;
  readonly inbox: Array<{ from: Endpoint; data: unknown }> = [];
  readonly posted: unknown[] = [];
  constructor(readonly bus: FakeBus) {}
  postMessage(data: unknown): void {
    if (this.closed) throw new Error('closed');
    this.posted.push(data);
    if (this.cut) return;
    for (const to of this.bus.endpoints) if (to !== this && !to.closed) to.inbox.push({ from: this, data: structuredClone(data) });
  }
  /** What it posted that no other tab has got yet is lost (Chromium sends a BroadcastChannel post later, from another thread). */
  loseUnsent(): void {
    for (const to of this.bus.endpoints) to.inbox.splice(0, Infinity, ...to.inbox.filter((entry) => entry.from !== this));
  }
  close(): void {
    this.closed = true;
  }
}

interface Call {
  readonly tab: string;
  readonly seq: number;
}

/** The browser of the test: a clock, a channel, the server's messages, every handler call, and (unless `storage: false`) the origin's localStorage. */
function browser({ storage = true, locks = false } = {}) {
  const clock = new FakeClock();
  const bus = new FakeBus();
  const stored = new Map<string, { mark: string; at: number }>();
  const store: MarkStore | undefined = storage ? { read: (channel) => stored.get(channel), write: (channel, mark) => void stored.set(channel, { mark, at: clock.now() }) } : undefined;
  const published: WireMessage[] = [];
  const calls: Call[] = [];
  const tabs: Tab[] = [];

  class Tab {
    readonly endpoint = bus.endpoint();
    readonly peers: OneTabPeers;
    /** What this tab's hub handed to its page, in order. */
    readonly handed: number[] = [];
    readonly replays: string[] = [];
    /** The page's handler works this long before it acknowledges (never: it hangs). */
    workMs = 5;
    alive = true;
    /** Its Web Lock is held (with `locks`): until its page is gone, whether it runs or not. */
    lockHeld = true;
    /** Its upstream delivers (false: a paused or late upstream). */
    receiving = true;
    cursor: string | undefined;
    constructor(readonly name: string) {
      const host: PeersHost = {
        clock,
        hand: (message) => {
          this.handed.push(message.data as number);
          if (this.workMs !== Infinity) {
            clock.setTimeout(() => {
              if (!this.alive) return;
              calls.push({ tab: this.name, seq: message.data as number });
              this.peers.handled(message.channel, message.id);
            }, this.workMs);
          }
          return true;
        },
        replay: (channel, from) => {
          this.replays.push(from);
          // The upstream reopens from `from`: the server's history comes again, in order.
          clock.setTimeout(() => {
            if (!this.alive) return;
            for (const message of published) if (message.channel === channel && seqOf(message.id) > seqOf(from)) this.peers.message(message);
          }, 20);
        },
        cursor: () => this.cursor,
      };
      const liveness = locks ? { alive: (peer: string) => Promise.resolve(tabs.some((tab) => tab.name === peer && tab.lockHeld)) } : undefined;
      this.peers = new OneTabPeers(name, host, this.endpoint, store, liveness);
    }
    /** The page's renderer crashes: nothing more leaves it, nothing reaches it (`loseUnsent`: nor what it posted last). */
    crash(loseUnsent = false): void {
      this.alive = false;
      this.lockHeld = false;
      this.endpoint.cut = true;
      if (loseUnsent) this.endpoint.loseUnsent();
    }
    snapshot() {
      return this.peers.snapshot(CHANNEL);
    }
  }

  /** Lets `ms` pass in 5 ms steps, the channel delivering between them. */
  const run = async (ms: number) => {
    bus.deliver();
    for (let left = ms; left > 0; left -= 5) {
      await clock.tick(Math.min(5, left));
      bus.deliver();
    }
    await flush();
  };
  let seq = 10;
  /** The server publishes one message: every live, receiving tab's upstream delivers it. */
  const publish = () => {
    const message = { channel: CHANNEL, id: id(++seq), data: seq };
    published.push(message);
    for (const tab of tabs) if (tab.alive && tab.receiving) tab.peers.message(message);
    bus.deliver();
    return seq;
  };
  /** A tab joins the channel (its page subscribes one-tab). */
  const open = (name: string, visible = true) => {
    const tab = new Tab(name);
    tabs.push(tab);
    tab.peers.visible(visible);
    tab.peers.join(CHANNEL);
    bus.deliver();
    return tab;
  };
  /** Visible tabs opened 1 ms apart, in this order: the last is the one shown last, most in front. */
  const openInTurn = async <Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: Tab }> => {
    const opened: Tab[] = [];
    for (const [i, name] of names.entries()) {
      if (i > 0) await run(1);
      opened.push(open(name));
    }
    return opened as { [K in keyof Names]: Tab };
  };
  /** Every published message handled exactly once; says which were lost or twice. */
  const assertOnceEach = () => {
    const bySeq = new Map<number, string[]>();
    for (const { tab, seq: n } of calls) bySeq.set(n, [...(bySeq.get(n) ?? []), tab]);
    const lost = published.map((m) => m.data as number).filter((n) => !bySeq.has(n));
    const twice = [...bySeq].filter(([, by]) => by.length > 1).map(([n, by]) => `${n} by ${by.join(' and ')}`);
    assert.deepEqual({ lost, twice }, { lost: [], twice: [] });
  };
  const handledBy = (name: string) => calls.filter((call) => call.tab === name).map((call) => call.seq);
  return { clock, bus, calls, published, stored, open, openInTurn, publish, run, assertOnceEach, handledBy };
}

const seqOf = (eventId: string) => parseInt(eventId.split('-')[1]!, 36);

test('one tab hands each message out, one at a time, once claimed; the others keep what is past the mark until it moves', async () => {
  const { openInTurn, publish, run, assertOnceEach, handledBy } = browser();
  const [a, b, c] = await openInTurn('a', 'b', 'c');
  assert.equal(a.snapshot()?.handler, 'none', 'nobody claims before JOIN_MS');
  await run(JOIN_MS + CLAIM_MS + 20);
  // All visible: the one shown (here: opened) last is most in front.
  assert.deepEqual([a, b, c].map((tab) => tab.snapshot()?.handler), ['another-tab', 'another-tab', 'this-tab']);
  for (let i = 0; i < 5; i++) publish();
  assert.deepEqual(c.handed, [11], 'one at a time: the next once the first is acknowledged');
  assert.equal(a.snapshot()?.kept, 5, 'the others keep all five');
  await run(100);
  assert.deepEqual(handledBy('c'), [11, 12, 13, 14, 15]);
  assert.deepEqual([a.handed, b.handed], [[], []]);
  assert.deepEqual(a.snapshot(), { tabs: 3, handler: 'another-tab', term: 1, kept: 0 }, 'the marks pruned what a kept');
  assert.equal(a.peers.mark('n'), id(15));
  assertOnceEach();
});

test('the owner closes while it holds messages (pagehide: release and bye): the next most in front hands out the rest, from the mark, in order', async () => {
  const { openInTurn, publish, run, assertOnceEach, handledBy } = browser();
  const [a, b, c] = await openInTurn('a', 'b', 'c');
  await run(JOIN_MS + CLAIM_MS + 20);
  c.workMs = 20;
  for (let i = 0; i < 10; i++) publish(); // 11…20
  await run(50); // c handled 11 and 12, is on 13
  c.peers.away();
  c.crash(); // the page is gone after pagehide: what it was handling is not acknowledged
  await run(CLAIM_MS + 100);
  assert.deepEqual(handledBy('c'), [11, 12]);
  assert.deepEqual(handledBy('b'), [13, 14, 15, 16, 17, 18, 19, 20], 'b (opened after a): the rest, in order');
  assert.deepEqual(b.snapshot(), { tabs: 2, handler: 'this-tab', term: 2, kept: 0 });
  assert.deepEqual(a.handed, []);
  assertOnceEach();
});

test('the owner is frozen (Page Lifecycle freeze) while its page has a message to run: that one is its own (it runs on resume), the next tab goes on after it', async () => {
  const { openInTurn, publish, run, assertOnceEach, handledBy } = browser();
  const [, b] = await openInTurn('a', 'b');
  await run(JOIN_MS + CLAIM_MS + 20);
  b.workMs = 1000; // the handlers of 11 have not run when the page freezes
  for (let i = 0; i < 4; i++) publish(); // 11…14
  await run(10);
  b.peers.away(true);
  b.endpoint.paused = true; // frozen: its tasks wait
  await run(CLAIM_MS + 100);
  assert.deepEqual(handledBy('a'), [12, 13, 14], 'a: after the message b holds');
  b.endpoint.paused = false;
  b.peers.back();
  await run(1000); // b runs again: its page handles 11
  assert.deepEqual(handledBy('b'), [11]);
  b.workMs = 5;
  publish(); // 15: b (opened last) is in front again
  await run(JOIN_MS + CLAIM_MS + 100);
  assertOnceEach();
});

test('the owner crashes (no word): after SUSPECT_MS without progress it is asked, PING_MS later it is gone, and the next tab takes over from the mark', async () => {
  const { clock, openInTurn, publish, run, assertOnceEach, handledBy } = browser();
  const [a, b] = await openInTurn('a', 'b');
  await run(JOIN_MS + CLAIM_MS + 20);
  b.workMs = 20;
  for (let i = 0; i < 6; i++) publish(); // 11…16
  await run(30); // b handled 11, is on 12
  b.crash();
  const crashedAt = clock.now();
  publish(); // 17: only a gets it now
  await run(SUSPECT_MS - 100);
  assert.deepEqual(handledBy('a'), [], 'not before SUSPECT_MS: a slow owner is not a dead one');
  assert.equal(a.endpoint.posted.filter((m) => (m as { k: string }).k === 'ping').length, 0);
  await run(200);
  assert.equal(a.endpoint.posted.filter((m) => (m as { k: string }).k === 'ping').length, 1, 'asked');
  await run(PING_MS + CLAIM_MS + 100);
  assert.deepEqual(handledBy('b'), [11]);
  assert.deepEqual(handledBy('a'), [12, 13, 14, 15, 16, 17], 'a: everything past the mark, in order');
  const takeover = clock.now() - crashedAt;
  assert.ok(takeover <= SUSPECT_MS + PING_MS + CLAIM_MS + 400, `taken over within ${takeover} ms`);
  assert.equal(a.snapshot()?.tabs, 1, 'b is gone from the view');
  assertOnceEach();
});

test('the owner crashes right after a handler ran, its last mark not sent over the channel yet: the next owner reads it from the storage, nothing twice', async () => {
  for (const storage of [true, false]) {
    const { bus, stored, openInTurn, publish, run, handledBy, calls } = browser({ storage });
    const [, b] = await openInTurn('a', 'b');
    await run(JOIN_MS + CLAIM_MS + 20);
    b.workMs = 20;
    for (let i = 0; i < 5; i++) publish(); // 11…15
    await run(25); // b handled 11, is on 12
    bus.held = true;
    await run(20); // b handled 12: its mark waits in the channel…
    b.crash(true); // …and is lost with the page
    bus.held = false;
    assert.deepEqual(stored.get(CHANNEL)?.mark, storage ? id(12) : undefined, 'the mark b wrote in its own task');
    await run(SUSPECT_MS + PING_MS + CLAIM_MS + 200);
    assert.deepEqual(handledBy('b'), [11, 12]);
    if (storage) {
      assert.deepEqual(handledBy('a'), [13, 14, 15], 'a read it: from 13 on');
    } else {
      // Without the storage (none in this page, or refused), the race the README names: 12 twice.
      assert.deepEqual(handledBy('a'), [12, 13, 14, 15]);
    }
    assert.equal(calls.length, storage ? 5 : 6);
  }
});

test('a stored mark counts only if later than the one heard (same broker history), or, with none heard, recent', async () => {
  const { clock, stored, open, publish, run, handledBy } = browser();
  stored.set(CHANNEL, { mark: id(12), at: clock.now() - STORED_MARK_MS - 1 }); // a session long gone
  const a = open('a');
  await run(JOIN_MS + CLAIM_MS + 20);
  publish(); // 11
  await run(20);
  assert.deepEqual(handledBy('a'), [11], 'an old stored mark is not where handling stands');
  stored.set(CHANNEL, { mark: 'e2-5', at: clock.now() }); // another broker history: not comparable
  a.peers.away();
  a.peers.back();
  await run(JOIN_MS + CLAIM_MS + 20);
  publish(); // 12
  await run(20);
  assert.deepEqual(handledBy('a'), [11, 12]);
});

test('the only one-tab tab reloads: the next one, within STORED_MARK_MS, goes on from the mark it finds stored (its connection replays what it missed)', async () => {
  const { open, publish, run, assertOnceEach, handledBy } = browser();
  const a = open('a');
  await run(JOIN_MS + CLAIM_MS + 20);
  publish(); // 11
  publish(); // 12
  await run(20);
  a.peers.away();
  a.crash();
  publish(); // 13: nobody's
  publish(); // 14
  const b = open('b'); // the reloaded page: its connection starts from now
  await run(JOIN_MS + CLAIM_MS + 100);
  assert.deepEqual(b.replays, [id(12)], 'from the stored mark');
  assert.deepEqual(handledBy('a'), [11, 12]);
  assert.deepEqual(handledBy('b'), [13, 14]);
  assertOnceEach();
});

test('an owner that is asked and answers is not taken for gone, however long its handler takes', async () => {
  const { openInTurn, publish, run, calls } = browser();
  const [a, b] = await openInTurn('a', 'b');
  await run(JOIN_MS + CLAIM_MS + 20);
  b.workMs = Infinity; // its page hangs in a handler, but its events still run (another task source)
  publish();
  publish();
  await run(3 * (SUSPECT_MS + PING_MS));
  assert.ok(a.endpoint.posted.filter((m) => (m as { k: string }).k === 'ping').length >= 2, 'asked again and again');
  assert.equal(a.snapshot()?.handler, 'another-tab', 'b answers: it keeps the channel');
  assert.deepEqual(a.handed, []);
  assert.deepEqual(calls, []);
});

test('the rule of front-tabs.ts across tabs: visible before hidden, then the one shown last; the owner hands over once its message in flight is acknowledged', async () => {
  const { open, publish, run, assertOnceEach, handledBy } = browser();
  const a = open('a', true);
  await run(1);
  const b = open('b', false);
  await run(1);
  const c = open('c', false);
  await run(JOIN_MS + CLAIM_MS + 20);
  publish();
  await run(20);
  assert.deepEqual(handledBy('a'), [11], 'the only visible tab, though the hidden ones came later');
  // c is shown (a stays visible): the one shown last.
  c.peers.visible(true);
  await run(10);
  publish();
  await run(JOIN_MS + CLAIM_MS + 50);
  assert.deepEqual(handledBy('c'), [12]);
  // c is hidden, then a: all hidden, a is the one hidden last.
  a.workMs = 200;
  c.workMs = 200;
  publish(); // 13: c is handling it…
  await run(10);
  c.peers.visible(false);
  a.peers.visible(false);
  publish(); // 14
  await run(100);
  assert.equal(c.snapshot()?.handler, 'this-tab', '…and keeps the channel until 13 is acknowledged');
  assert.deepEqual(a.handed, [11], 'a gets nothing meanwhile');
  await run(200 + CLAIM_MS + 300);
  assert.deepEqual(handledBy('c'), [12, 13]);
  assert.deepEqual(handledBy('a'), [11, 14], 'then a, the one hidden last');
  assert.deepEqual(b.handed, []);
  assertOnceEach();
});

test('split brain: two tabs that did not hear each other both claim term 1; the better claim wins before either hands anything out', async () => {
  const { bus, open, publish, run, assertOnceEach, handledBy } = browser();
  bus.held = true; // neither hears the other's hi: each is the only member it knows
  const a = open('a');
  const b = open('b');
  for (let i = 0; i < 3; i++) publish();
  await run(JOIN_MS + 20);
  assert.deepEqual([a.snapshot()?.handler, b.snapshot()?.handler], ['claiming', 'claiming']);
  bus.held = false; // the claims cross
  await run(CLAIM_MS + 100);
  // Both opened in the same ms, both visible: the lower id wins the tie.
  assert.deepEqual([a.snapshot()?.handler, b.snapshot()?.handler], ['this-tab', 'another-tab']);
  assert.deepEqual(handledBy('a'), [11, 12, 13]);
  assert.deepEqual(b.handed, [], 'the loser handed nothing out');
  assertOnceEach();
});

test('a claim of a term that is taken already (a stale view) is answered, and the claimant claims again above it', async () => {
  const { bus, open, publish, run, assertOnceEach } = browser();
  const a = open('a');
  await run(JOIN_MS + CLAIM_MS + 20);
  a.peers.visible(false);
  bus.held = true; // b joins unheard, sees nobody: it claims term 1 while a owns term 1
  const b = open('b');
  await run(JOIN_MS + 20);
  bus.held = false;
  await run(2 * (JOIN_MS + CLAIM_MS) + 100);
  assert.deepEqual([a.snapshot()?.handler, b.snapshot()?.handler], ['another-tab', 'this-tab'], 'b (visible) owns it');
  assert.ok((b.snapshot()?.term ?? 0) >= 2, 'above the term a held');
  publish();
  await run(50);
  assert.deepEqual(b.handed, [11]);
  assertOnceEach();
});

/**
 * Tabs a and b of `env`, b owning the channel with 11 handled and 12 in its handler, when b's page
 * stops running: its channel's messages, its upstream and its handler's timers all wait (its Web
 * Lock, with `locks`, stays held). The caller lets b run again.
 */
async function stalledOwner(env: ReturnType<typeof browser>) {
  const { openInTurn, publish, run } = env;
  const [a, b] = await openInTurn('a', 'b');
  await run(JOIN_MS + CLAIM_MS + 20);
  b.workMs = 50;
  publish(); // 11
  publish(); // 12
  await run(60); // b handled 11, is on 12
  b.endpoint.paused = true;
  b.receiving = false;
  b.alive = false;
  return { a, b };
}

test('an owner whose page did not run for longer than PING_MS (taken for gone) stops once it hears of the higher term: what it handled meanwhile is handled twice', async (t) => {
  const env = browser();
  const { publish, run, calls } = env;
  // b's page stops running (a debugger pause): its channel's messages and its upstream's wait.
  const { a, b } = await stalledOwner(env);
  publish(); // 13
  publish(); // 14
  await run(SUSPECT_MS + PING_MS + CLAIM_MS + 200);
  assert.equal(a.snapshot()?.handler, 'this-tab', 'a took over');
  // b runs again, the worst way round: its handler's task first, then its upstream, then the channel.
  b.alive = true;
  b.receiving = true;
  calls.push({ tab: 'b', seq: 12 });
  b.peers.handled(CHANNEL, id(12));
  b.peers.message({ channel: CHANNEL, id: id(13), data: 13 });
  b.peers.message({ channel: CHANNEL, id: id(14), data: 14 });
  b.endpoint.paused = false;
  await run(500);
  // b heard of a's term, and is the tab more in front again: a handed the channel back (term 3).
  assert.deepEqual([a.snapshot()?.term, b.snapshot()?.term], [3, 3]);
  publish(); // 15
  await run(100);
  const bySeq = new Map<number, string[]>();
  for (const { tab, seq } of calls) bySeq.set(seq, [...(bySeq.get(seq) ?? []), tab]);
  const twice = [...bySeq].filter(([, by]) => by.length > 1).map(([seq]) => seq);
  assert.deepEqual([...bySeq.keys()].sort((x, y) => x - y), [11, 12, 13, 14, 15], 'none lost');
  t.diagnostic(`handled twice: ${JSON.stringify(twice)}`);
  assert.ok(twice.every((seq) => seq === 12 || seq === 13), `twice at most what b had in flight and the one it handed before it heard: ${JSON.stringify(Object.fromEntries(bySeq))}`);
  assert.equal(bySeq.get(15)?.length, 1, 'once b is back in line, once each again');
});

test('a tab keeps at most KEEP_MAX messages past the mark (the owner all it is to hand out); taking over beyond them, it has its upstream replay from the mark', async () => {
  const { openInTurn, publish, run, assertOnceEach, handledBy } = browser();
  const [a, b] = await openInTurn('a', 'b');
  await run(JOIN_MS + CLAIM_MS + 20);
  b.workMs = Infinity; // b hangs on 11 and answers every ping
  const count = KEEP_MAX + 50;
  for (let i = 0; i < count; i++) publish();
  await run(10);
  assert.equal(a.snapshot()?.kept, KEEP_MAX, 'the oldest went');
  b.peers.away();
  b.crash();
  await run(CLAIM_MS + 100);
  assert.deepEqual(a.replays, [id(10)], 'nothing handled yet: replayed from where its upstream started the channel');
  await run(count * 6);
  assert.deepEqual(handledBy('a'), Array.from({ length: count }, (_, i) => 11 + i), 'every message, once, in order');
  assertOnceEach();

  // With a mark: what a tab kept does not reach back to it, so the server's history does.
  const second = browser();
  const c = second.open('c');
  await second.run(1);
  const d = second.open('d');
  await second.run(JOIN_MS + CLAIM_MS + 20);
  second.publish();
  await second.run(20);
  assert.deepEqual(second.handledBy('d'), [11]);
  d.workMs = Infinity;
  for (let i = 0; i < count; i++) second.publish();
  await second.run(10);
  d.peers.away();
  d.crash();
  await second.run(CLAIM_MS + 100);
  assert.deepEqual(c.replays, [id(11)], 'replayed from the mark');
  await second.run(count * 6);
  assert.deepEqual(second.handledBy('c'), Array.from({ length: count }, (_, i) => 12 + i), 'every message past the mark, once, in order');
  second.assertOnceEach();
});

test('a tab that joined after the mark replays from it when it takes over', async () => {
  const { open, publish, run, assertOnceEach, handledBy } = browser();
  const a = open('a');
  await run(JOIN_MS + CLAIM_MS + 20);
  publish(); // 11, handled by a
  await run(20);
  a.workMs = Infinity; // a hangs on 12; 13 and 14 wait behind it
  publish();
  publish();
  publish();
  await run(5);
  const b = open('b'); // its upstream starts the channel from now: it never got 12…14
  publish(); // 15
  await run(JOIN_MS + 20);
  assert.equal(a.snapshot()?.handler, 'this-tab', 'b is in front now, but a keeps the channel while 12 is in flight');
  a.peers.away();
  a.crash();
  await run(CLAIM_MS + 100);
  assert.deepEqual(b.replays, [id(11)], 'what b has starts after 14: it replays from the mark');
  await run(100);
  assert.deepEqual(handledBy('a'), [11]);
  assert.deepEqual(handledBy('b'), [12, 13, 14, 15]);
  assertOnceEach();
});

test('a paused upstream gets no messages: a tab whose upstream runs is preferred, whatever the fronts', async () => {
  const { open, publish, run, handledBy, assertOnceEach } = browser();
  const a = open('a', false);
  await run(1);
  const b = open('b', true);
  await run(JOIN_MS + CLAIM_MS + 20);
  assert.equal(b.snapshot()?.handler, 'this-tab');
  b.peers.paused(true);
  b.receiving = false;
  await run(JOIN_MS + CLAIM_MS + 50);
  assert.equal(a.snapshot()?.handler, 'this-tab', 'the hidden tab whose upstream runs');
  publish();
  await run(20);
  assert.deepEqual(handledBy('a'), [11]);
  assertOnceEach();
});

test('messages on the channel that are not the protocol are ignored', async () => {
  const { bus, open, publish, run, assertOnceEach } = browser();
  const a = open('a');
  const stray = bus.endpoint();
  for (const data of [null, 'hi', { k: 'hi', p: 'x' }, { k: 'claim', p: 'x', c: CHANNEL, t: 'one' }, { k: 'mark', p: 'x', c: CHANNEL, m: 5 }, { k: 'nope', p: 'x' }, { k: 'hi', p: 'x', f: { visible: true, since: 1 }, ch: { n: { t: 'x' } } }]) {
    stray.postMessage(data);
  }
  await run(JOIN_MS + CLAIM_MS + 20);
  assert.deepEqual(a.snapshot(), { tabs: 1, handler: 'this-tab', term: 1, kept: 0 });
  publish();
  await run(20);
  assertOnceEach();
});

// ── through real hubs ───────────────────────────────────────────────────────────────────────

const lifecycle = (visible: boolean): TabLifecycle => ({ visible, keepAlive: false, pauseAfterMs: 60_000, saveData: false, online: true });
const oneTabIds = (events: HubEvent[]) => events.flatMap((e) => (e.type === 'one-tab' ? [e.id] : []));

test('direct hubs, each with its own upstream: each message reaches the one-tab handlers of one tab; every-tab subscriptions get every message; debug() tells', async () => {
  const clock = new FakeClock();
  const bus = new FakeBus();
  const hubs = ['a', 'b'].map((name) => {
    const made = makeHub('sse', { heartbeatWindowMs: 600_000, oneTabPeers: (host) => new OneTabPeers(name, host, bus.endpoint()) }, { clock });
    const page = made.tab(`${name}-page`);
    void made.hub.subscribe(page.id, CHANNEL, undefined, 'one-tab');
    void made.hub.subscribe(page.id, CHANNEL);
    made.hub.setLifecycle(page.id, lifecycle(true));
    return { ...made, page, name };
  });
  const step = async (ms: number) => {
    for (let left = ms; left > 0; left -= 5) {
      bus.deliver();
      await clock.tick(5);
    }
    bus.deliver();
    await flush();
  };
  await step(20);
  for (const { server } of hubs) server.last.handlers.open(id(10));
  await step(JOIN_MS + CLAIM_MS + 50);
  for (let seq = 11; seq <= 14; seq++) {
    for (const { server } of hubs) server.last.handlers.message({ channel: CHANNEL, id: id(seq), data: seq });
    await flush();
    // The page of whichever hub handed it acknowledges (connect.ts does, once its handlers ran).
    for (const { hub, page } of hubs) if (oneTabIds(page.events).includes(id(seq))) hub.handled(page.id, CHANNEL, id(seq));
    await step(10);
  }
  const [owner, other] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
  // Both attached in the same ms and visible: a tie, which goes to the lower id.
  assert.deepEqual(oneTabIds(owner.page.events), [id(11), id(12), id(13), id(14)], 'a: each once');
  assert.deepEqual(oneTabIds(other.page.events), [], 'b: none');
  for (const { page } of hubs) assert.deepEqual(page.messages, [11, 12, 13, 14].map((seq) => `${CHANNEL}:${id(seq)}`), 'every-tab: all of them');
  assert.deepEqual(owner.hub.debug().channels[CHANNEL]?.oneTab, { tabs: 1, handled: id(14), inFlight: 0, waiting: 0, settled: true, across: { tabs: 2, handler: 'this-tab', term: 1, kept: 0 } });
  assert.deepEqual(other.hub.debug().channels[CHANNEL]?.oneTab?.across, { tabs: 2, handler: 'another-tab', term: 1, kept: 0 });
  assert.equal(other.hub.debug().channels[CHANNEL]?.oneTab?.handled, id(14), "the other tab's hub reports the common mark");

  // The owner's page unsubscribes one-tab: the other takes over.
  owner.hub.unsubscribe(owner.page.id, CHANNEL, 'one-tab');
  await step(JOIN_MS + CLAIM_MS + 50);
  for (const { server } of hubs) server.last.handlers.message({ channel: CHANNEL, id: id(15), data: 15 });
  await step(10);
  assert.deepEqual(oneTabIds(other.page.events).at(-1), id(15));
  assert.deepEqual(oneTabIds(owner.page.events).at(-1), id(14), 'not the tab that left');
  for (const { hub } of hubs) hub.close();
});

test('with Web Locks, an owner that stalls past PING_MS but holds its lock is waited for (nothing twice); once its lock is free it is gone and the next tab takes over', async () => {
  const env = browser({ locks: true });
  const { publish, run, assertOnceEach, handledBy, calls } = env;
  // b's page stops running (a long task on a loaded machine), its lock still held.
  const { a, b } = await stalledOwner(env);
  publish(); // 13
  await run(3 * (SUSPECT_MS + PING_MS));
  assert.notEqual(a.snapshot()?.handler, 'this-tab', 'a did not take over from a live tab');
  assert.deepEqual(handledBy('a'), []);
  // b runs again: it handles 12 and goes on, nothing twice.
  b.alive = true;
  b.receiving = true;
  b.endpoint.paused = false;
  calls.push({ tab: 'b', seq: 12 });
  b.peers.handled(CHANNEL, id(12));
  b.peers.message({ channel: CHANNEL, id: id(13), data: 13 });
  await run(500);
  // Then b's page really goes (its lock is freed): a takes over.
  b.crash();
  publish(); // 14
  await run(SUSPECT_MS + PING_MS + CLAIM_MS + 300);
  assert.deepEqual(handledBy('a'), [14], 'a: what b never handled');
  assert.deepEqual(handledBy('b'), [11, 12, 13]);
  assertOnceEach();
});
