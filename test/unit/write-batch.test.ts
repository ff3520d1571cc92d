/**
 * server/write-batch.ts as pure logic: a writer whose "socket" is a counter the test drains by
 * hand. The send-buffer bound is checked on an estimate (what the socket held after the last
 * write, plus what waits), so these prove the estimate never lets a connection pass the bound
 * unseen, that the peak metric stays the real figure, and that an ended writer takes and writes
 * nothing. The same bound on real sockets: test/server/slow-consumer.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import type { ServerContext } from '../../server/context.js';
import { WriteBatch } from '../../server/write-batch.js';
import type { Part } from '../../server/write-batch.js';

const BOUND = 10_000;

function contextWith(maxBufferedBytes: number): ServerContext {
  // Only what the bound check reads (context.ts, overBufferBound).
  return { metrics: { sendBufferPeakBytes: 0, slowConsumersDropped: 0 }, options: { maxBufferedBytes } } as unknown as ServerContext;
}

/**
 * A connection whose socket keeps every byte written until `drain` — or, with `kernelTakes`, whose
 * kernel takes each write whole, as a reading client's does.
 */
class CountingWriter extends WriteBatch<Part> {
  socketBytes = 0;
  kernelTakes = false;
  readonly writes: Buffer[][] = [];
  heldReads = 0;
  overflowed = 0;

  constructor(context: ServerContext) {
    super(context, () => this.overflowed++);
  }

  protected write(first: Part, rest: readonly Part[] | undefined): void {
    const parts = [first, ...(rest ?? [])].map((part) => part.bytes);
    this.writes.push(parts);
    if (!this.kernelTakes) for (const bytes of parts) this.socketBytes += bytes.length;
  }

  protected held(): number {
    this.heldReads++;
    return this.socketBytes;
  }

  drain(bytes: number): void {
    this.socketBytes = Math.max(0, this.socketBytes - bytes);
  }
}

const part = (size: number, fill = 'x'): Part => ({ bytes: Buffer.alloc(size, fill) });

test('a reader that never drains is cut at the first send past the bound, never later, and the peak is the real figure', async () => {
  const context = contextWith(BOUND);
  const writer = new CountingWriter(context);
  let sent = 0;
  while (writer.overflowed === 0 && sent < 10 * BOUND) {
    writer.send(part(300));
    sent += 300;
    if (sent % 900 === 0) await turn(); // some sends flushed, some still waiting
  }
  assert.equal(writer.overflowed, 1, 'cut once');
  // Everything sent is held (socket or batch): cut at the first send that passed the bound.
  assert.ok(sent > BOUND && sent - 300 <= BOUND, `cut after ${sent} bytes, bound ${BOUND}`);
  assert.equal(context.metrics.slowConsumersDropped, 1);
  assert.equal(context.metrics.sendBufferPeakBytes, sent, 'the peak is what the connection really held');
});

test('a reader that drains is never cut, and the exact figure is read only when the estimate passes the peak', async () => {
  const context = contextWith(BOUND);
  const writer = new CountingWriter(context);
  writer.kernelTakes = true;
  for (let i = 0; i < 200; i++) {
    writer.send(part(100));
    await turn(); // flushed
  }
  assert.equal(writer.overflowed, 0);
  assert.equal(writer.writes.length, 200, 'one write per iteration');
  // held() after each write (200), plus a few exact reads while the peak was being found.
  assert.ok(writer.heldReads <= 200 + 5, `${writer.heldReads} reads of the socket's figure`);
});

test('a stale estimate (the socket drained since the last write) is re-read before a cut: no false drop', async () => {
  const context = contextWith(BOUND);
  const writer = new CountingWriter(context);
  writer.send(part(9_000));
  await turn();
  assert.equal(writer.socketBytes, 9_000);
  writer.drain(9_000); // drained, but the writer last saw 9,000 held
  writer.send(part(2_000)); // estimate 11,000 > bound; real 2,000
  assert.equal(writer.overflowed, 0, 'not cut on the stale estimate');
  assert.equal(context.metrics.slowConsumersDropped, 0);
});

test('parts of one iteration are one write, in order; a lone part is written alone; an ended writer takes and writes nothing', async () => {
  const writer = new CountingWriter(contextWith(BOUND));
  writer.send(part(1, 'a'));
  writer.send(part(1, 'b'));
  writer.send(part(1, 'c'));
  assert.equal(writer.writes.length, 0, 'nothing written before the check phase');
  await turn();
  assert.deepEqual(writer.writes.map((w) => Buffer.concat(w).toString()), ['abc']);
  writer.send(part(1, 'd'));
  await turn();
  assert.deepEqual(writer.writes.map((w) => w.length), [3, 1]);
  writer.send(part(1, 'e'));
  writer.end();
  assert.equal(writer.push(part(1, 'f')), false, 'not taken once ended');
  await turn();
  assert.equal(writer.writes.length, 2, 'what waited at the end is dropped');
});
