// SharedEventSource's upstream reader (worker/event-source/event-source-upstream.ts) in Node, on
// byte streams: the byte-order marks. WHATWG HTML §9.2.4 strips ONE leading BOM; a second one is
// part of the first field name, which is then unknown, so that block has no data and dispatches
// nothing. Every engine's native EventSource does that (test/engines/shared-event-source.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSourceUpstream, type UpstreamSink } from '../../worker/event-source/event-source-upstream.js';
import type { DispatchedEvent } from '../../src/hub-protocol/event-source.js';
import { withTimeout } from '../helpers/wait.js';

const BOM = [0xef, 0xbb, 0xbf];
const utf8 = (text: string) => [...new TextEncoder().encode(text)];

/** The data of every event the upstream dispatches for a stream of `chunks`, up to its end. */
async function dataOf(chunks: readonly number[][]): Promise<string[]> {
  const got: DispatchedEvent[] = [];
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
      controller.close();
    },
  });
  const upstream = new EventSourceUpstream(
    'http://sse.test/stream',
    false,
    {
      fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
      setTimeout: () => undefined, // the reconnect after the end of the stream never comes
      clearTimeout: () => undefined,
    },
    () => undefined,
  );
  const sink: UpstreamSink = {
    open: () => undefined,
    events: (events) => got.push(...events),
    error: () => ended(), // the end of the body: §9.2.2 "reestablish the connection"
  };
  upstream.attach(sink);
  await withTimeout(end, 5000, 'the end of the stream');
  upstream.detach(sink);
  return got.map((event) => event.data);
}

test('one leading BOM is stripped: the first block is dispatched', async () => {
  assert.deepEqual(await dataOf([[...BOM, ...utf8('data: first\n\ndata: second\n\n')]]), ['first', 'second']);
});

test('a BOM split between two reads is stripped all the same', async () => {
  assert.deepEqual(await dataOf([[0xef], [0xbb, 0xbf, ...utf8('data: x\n\n')]]), ['x']);
});

test('a stream that begins with two BOMs: only the first is stripped, the first block is dropped as a native EventSource drops it', async () => {
  assert.deepEqual(await dataOf([[...BOM, ...BOM, ...utf8('data: dropped\n\ndata: kept\n\n')]]), ['kept']);
  assert.deepEqual(await dataOf([BOM, BOM, utf8('data: dropped\n\ndata: kept\n\n')]), ['kept'], 'each BOM in a read of its own');
});
