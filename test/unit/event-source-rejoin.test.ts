// A source that re-attaches late to a fresh hub's shared upstream (its connect was dropped and
// retried while another tab's source had already reopened the stream) gets the events it missed:
// worker/event-source/rejoin-buffer.ts, through worker/event-source/event-source-upstream.ts, on
// streams fed chunk by chunk with an injected fetch and timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RECONNECT_MS, EventSourceUpstream, type UpstreamSink } from '../../worker/event-source/event-source-upstream.js';
import { RejoinBuffer, REJOIN_MAX_CHARS, REJOIN_MAX_EVENTS, REJOIN_WINDOW_MS } from '../../worker/event-source/rejoin-buffer.js';
import type { DispatchedEvent } from '../../src/hub-protocol/event-source.js';
import { waitFor } from '../helpers/wait.js';

const event = (data: string, lastEventId: string): DispatchedEvent => ({ type: 'message', data, lastEventId, origin: 'http://sse.test' });
const datas = (events: readonly DispatchedEvent[]) => events.map((e) => e.data);

test('rejoin buffer: the events after the one that set the id; all of them for the id the upstream started from', () => {
  const buffer = new RejoinBuffer('1');
  buffer.push([event('a', '2'), event('b', '2'), event('c', '3')]); // b has no id: it repeats a's
  assert.deepEqual(datas(buffer.after('1')), ['a', 'b', 'c'], 'the start id: everything kept');
  assert.deepEqual(datas(buffer.after('2')), ['b', 'c'], 'after a, the event that set 2: b, without an id, is new to the source');
  assert.deepEqual(datas(buffer.after('3')), [], 'seen them all');
  assert.deepEqual(datas(buffer.after('99')), [], 'an id never kept: nothing to give');
  assert.deepEqual(datas(buffer.after(undefined)), [], 'a new source gets what comes next only');
  assert.deepEqual(datas(buffer.after('')), [], 'no id: nothing');
  buffer.close();
  assert.deepEqual(datas(buffer.after('1')), [], 'the window is over');
  buffer.push([event('d', '4')]);
  assert.deepEqual(datas(buffer.after('3')), [], 'nothing is kept once closed');
});

test('rejoin buffer: events without an id at the start carry the start id, and a source at that id gets them (a $reset before the replay)', () => {
  const buffer = new RejoinBuffer('5');
  buffer.push([event('$reset', '5'), event('$open', '9'), event('m', '10'), event('note', '10')]);
  assert.deepEqual(datas(buffer.after('5')), ['$reset', '$open', 'm', 'note'], 'the gap notice too');
  assert.deepEqual(datas(buffer.after('10')), ['note'], 'after m, which set 10');
});

test('rejoin buffer: bounded in count and characters; a source at the last dropped id gets all that is kept', () => {
  const count = new RejoinBuffer('');
  for (let i = 1; i <= REJOIN_MAX_EVENTS + 10; i++) count.push([event(`m${i}`, String(i))]);
  assert.equal(count.after('10').length, REJOIN_MAX_EVENTS, 'the 10 oldest are dropped; id 10 was the last dropped');
  assert.equal(count.after('10')[0]!.data, 'm11');
  assert.deepEqual(count.after('5'), [], 'an id dropped before: nothing');

  const chars = new RejoinBuffer('');
  const big = 'x'.repeat(100_000);
  for (let i = 1; i <= 30; i++) chars.push([event(big, String(i))]);
  const kept = chars.after(String(30 - Math.floor(REJOIN_MAX_CHARS / 100_007)));
  const keptChars = kept.reduce((sum, e) => sum + e.data.length + e.type.length, 0);
  assert.ok(kept.length > 0 && keptChars <= REJOIN_MAX_CHARS, `kept ${kept.length} events, ${keptChars} chars`);
  assert.equal(kept.at(-1)!.lastEventId, '30');
});

/** An upstream whose responses are streams fed by the test, and whose timers the test fires. */
function harness(startId = '') {
  const bodies: ReadableStreamDefaultController<Uint8Array>[] = [];
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let nextTimer = 1;
  const upstream = new EventSourceUpstream(
    'http://sse.test/live',
    false,
    {
      fetch: async () =>
        new Response(new ReadableStream<Uint8Array>({ start: (controller) => void bodies.push(controller) }), { headers: { 'content-type': 'text/event-stream' } }),
      setTimeout: (fn, ms) => {
        const handle = nextTimer++;
        timers.set(handle, { fn, ms });
        return handle;
      },
      clearTimeout: (handle) => void timers.delete(handle as number),
    },
    () => undefined,
    startId,
  );
  const source = () => {
    const log: string[] = [];
    const sink: UpstreamSink = {
      open: () => log.push('open'),
      error: (readyState) => log.push(`error ${readyState}`),
      events: (events) => log.push(...events.map((e) => `${e.lastEventId}:${e.data}`)),
    };
    return { log, sink };
  };
  const send = (text: string) => bodies.at(-1)!.enqueue(new TextEncoder().encode(text));
  /** Fires the pending timers set for `ms`: the rejoin window's end, or a reconnect. */
  const fireTimers = (ms: number) => {
    for (const [handle, timer] of [...timers]) {
      if (timer.ms !== ms) continue;
      timers.delete(handle);
      timer.fn();
    }
  };
  return { upstream, source, send, bodies, fireTimers };
}

test('upstream: a source re-attaching late gets open, then the events after its id, then the live ones; a new source only the live ones', async () => {
  const { upstream, source, send } = harness('1');
  const first = source();
  upstream.attach(first.sink, '1');
  await waitFor('the first source open', () => first.log.includes('open'), 5000);
  send('id: 2\ndata: missed\n\n');
  await waitFor('the first source to have event 2', () => first.log.includes('2:missed'), 5000);

  const late = source();
  upstream.attach(late.sink, '1');
  const fresh = source();
  upstream.attach(fresh.sink);
  const current = source();
  upstream.attach(current.sink, '2');
  send('id: 3\ndata: after\n\n');
  await waitFor('every source to have event 3', () => [first, late, fresh, current].every((s) => s.log.includes('3:after')), 5000);
  assert.deepEqual(first.log, ['open', '2:missed', '3:after']);
  assert.deepEqual(late.log, ['open', '2:missed', '3:after'], 'the late source, as its own reconnect from id 1 would');
  assert.deepEqual(fresh.log, ['open', '3:after'], 'a new source: what comes next, as a new EventSource');
  assert.deepEqual(current.log, ['open', '3:after'], 'a source that had event 2 gets it once');
});

test('upstream: a source re-attaching while the stream reconnects gets its missed events once it is open again', async () => {
  const { upstream, source, send, bodies, fireTimers } = harness('');
  const first = source();
  upstream.attach(first.sink);
  await waitFor('the first source open', () => first.log.includes('open'), 5000);
  send('id: 7\ndata: seven\n\nid: 8\ndata: eight\n\n');
  await waitFor('event 8', () => first.log.includes('8:eight'), 5000);
  bodies.at(-1)!.close(); // the end of the body: error CONNECTING, reconnect after the retry time
  await waitFor('the drop', () => first.log.includes('error 0'), 5000);

  const late = source();
  upstream.attach(late.sink, '7');
  assert.deepEqual(late.log, [], 'nothing before the stream is open again');
  fireTimers(DEFAULT_RECONNECT_MS);
  await waitFor('the late source open', () => late.log.includes('open'), 5000);
  assert.deepEqual(late.log, ['open', '8:eight'], 'open, then what came after its id 7');
  assert.deepEqual(first.log, ['open', '7:seven', '8:eight', 'error 0', 'open'], 'the source that stayed gets nothing twice');
  send('id: 9\ndata: nine\n\n');
  await waitFor('event 9 to both', () => late.log.includes('9:nine') && first.log.includes('9:nine'), 5000);
});

test('upstream: after the rejoin window a late source gets only the live events', async () => {
  const { upstream, source, send, fireTimers } = harness('1');
  const first = source();
  upstream.attach(first.sink, '1');
  await waitFor('open', () => first.log.includes('open'), 5000);
  send('id: 2\ndata: two\n\n');
  await waitFor('event 2', () => first.log.includes('2:two'), 5000);
  fireTimers(REJOIN_WINDOW_MS);
  const late = source();
  upstream.attach(late.sink, '1');
  assert.deepEqual(late.log, ['open'], `after ${REJOIN_WINDOW_MS} ms nothing is kept`);
});
