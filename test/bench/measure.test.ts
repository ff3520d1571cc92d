// The pure parts of bench/: percentiles, the delivery counter (markers split across reads), the
// latency scan, the payload size, and the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, Samples, summarize } from '../../bench/lib/stats.js';
import { countOf, payloadJson, scanTimes } from '../../bench/lib/payload.js';
import { chunkCounter, createTally, reach } from '../../bench/server/clients/counter.js';
import { parseArgs } from '../../bench/lib/args.js';

test('nearest-rank percentiles return observed values', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)));
  assert.deepEqual(summarize([3, 1, 2]), { count: 3, p50: 2, p99: 3, max: 3 });
});

test('Samples grows, and stops at its cap instead of growing without bound', () => {
  const samples = new Samples(5000);
  for (let i = 0; i < 6000; i++) samples.push(i);
  assert.equal(samples.length, 5000);
  assert.equal(samples.values()[4999], 4999);
});

test('a payload has exactly the asked size and carries its scheduled time', () => {
  for (const size of [100, 1024]) {
    const json = payloadJson(size, 7, 1234.5);
    assert.equal(Buffer.byteLength(json), size);
    assert.deepEqual({ ...JSON.parse(json), p: undefined }, { t: 1234.5, n: 7, p: undefined });
  }
});

test('every framing is counted by its one marker, also when a read splits the marker', () => {
  const tally = createTally(0);
  const count = chunkCounter(tally);
  const stream = Buffer.from(
    [payloadJson(100, 0, 1), payloadJson(100, 1, 2), payloadJson(100, 2, 3)].map((json) => `id: 1-${json.length}\nevent: bench\ndata: ${json}\n\n`).join(''),
  );
  // Cut the stream at every byte boundary in turn: the total is always 3.
  for (let cut = 1; cut < stream.length; cut += 7) {
    tally.delivered = 0;
    const c = chunkCounter(tally);
    c(stream.subarray(0, cut));
    c(stream.subarray(cut));
    assert.equal(tally.delivered, 3, `cut at ${cut}`);
  }
  tally.delivered = 0;
  count(Buffer.from('42["m",{"t":5,"n":0,"p":"x"}]'));
  assert.equal(tally.delivered, 1);
  assert.equal(countOf(Buffer.from('aXaXa'), Buffer.from('a')), 3);
});

test('latency is read from the scheduled time in every message of a read', () => {
  const times: number[] = [];
  scanTimes(Buffer.from(`data: ${payloadJson(100, 0, 10.5)}\n\ndata: ${payloadJson(100, 1, 20.25)}\n\n`), (t) => times.push(t));
  assert.deepEqual(times, [10.5, 20.25]);
});

test('reach() resolves at the goal and fails with a clear message when it is not reached', async () => {
  const tally = createTally(0);
  const count = chunkCounter(tally);
  const reached = reach(tally, 2, 1000, 'two messages');
  count(Buffer.from(`${payloadJson(100, 0, 1)}${payloadJson(100, 1, 1)}`));
  assert.equal(typeof (await reached), 'number');
  await assert.rejects(reach(createTally(0), 1, 20, 'nothing'), /timed out after 20 ms: nothing \(0 of 1 delivered\)/);
});

test('the command line: sections, files, and a refusal for anything unknown', () => {
  assert.deepEqual(parseArgs([]), { quick: false, only: ['server', 'publish', 'browser', 'battery'], out: undefined, json: undefined });
  assert.deepEqual(parseArgs(['--quick', '--only=battery', '--json', 'r.json']), { quick: true, only: ['battery'], out: undefined, json: 'r.json' });
  assert.throws(() => parseArgs(['--only=gpu']), /--only takes server, publish, browser, battery; got gpu/);
  assert.throws(() => parseArgs(['--fast']), /unknown option --fast/);
  assert.throws(() => parseArgs(['--out']), /--out needs a value/);
});
