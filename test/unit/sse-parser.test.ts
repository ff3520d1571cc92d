/**
 * worker/sse-parser.ts against eventsource-parser (which it replaced in the hub's bundles), as the
 * oracle: every fixture stream of test/fixtures/sse-streams.ts and a few more, fed whole, cut at
 * every position, and cut into single characters — the same events, ids and retries, in the same
 * order. (The browser tests hold SharedEventSource, on this parser, to the native EventSource.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import { SSE_FIXTURES } from '../fixtures/sse-streams.js';
import { createSseParser } from '../../worker/sse-parser.js';

type Seen = ['event', string | undefined, string | undefined, string] | ['id', string] | ['retry', number];

function run(make: (seen: Seen[]) => { feed(chunk: string): void }, chunks: readonly string[]): Seen[] {
  const seen: Seen[] = [];
  const parser = make(seen);
  for (const chunk of chunks) parser.feed(chunk);
  return seen;
}

const ours = (seen: Seen[]) =>
  createSseParser({ onEvent: (e) => seen.push(['event', e.id, e.event, e.data]), onId: (id) => seen.push(['id', id]), onRetry: (ms) => seen.push(['retry', ms]) });
const oracle = (seen: Seen[]) =>
  createParser({ onEvent: (e) => seen.push(['event', e.id, e.event, e.data]), onId: (id) => seen.push(['id', id]), onRetry: (ms) => seen.push(['retry', ms]) });

/** A fixture's stream as the hub decodes it: UTF-8, the BOM kept for the parser to strip. */
function text(chunks: readonly (string | readonly number[])[]): string {
  const bytes = chunks.flatMap((chunk) => (typeof chunk === 'string' ? [...new TextEncoder().encode(chunk)] : [...chunk]));
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(bytes));
}

const EXTRA: readonly string[] = [
  'retry: 250\ndata: a\n\nretry: 1x\nretry:\nretry: 0\n\n',
  'event: e\nid: 9\ndata: one\ndata: two\n\nevent: \ndata: three\n\n',
  ':only a comment\n\n\n\ndata\n\n',
  'data: no end of stream',
  'data: cr at the very end\r',
  'data: a\r\r\n\r\ndata: b\n\r\n',
  'unknown: field\nid: \u0000\ndata: x\n\n',
  `data: ${'long '.repeat(2000)}\n\n`,
];

const streams = [...SSE_FIXTURES.map((f) => ({ name: f.name, stream: text(f.chunks) })), ...EXTRA.map((stream, i) => ({ name: `extra ${i}`, stream }))];

test('the same events, ids and retries as eventsource-parser, whole and cut anywhere', () => {
  for (const { name, stream } of streams) {
    const expected = run(oracle, [stream]);
    assert.deepEqual(run(ours, [stream]), expected, `${name}: whole`);
    const step = Math.max(1, Math.floor(stream.length / 200));
    for (let cut = 0; cut <= stream.length; cut += step) {
      assert.deepEqual(run(ours, [stream.slice(0, cut), stream.slice(cut)]), expected, `${name}: cut at ${cut}`);
    }
    if (stream.length < 2000) assert.deepEqual(run(ours, [...stream]), expected, `${name}: one character a chunk`);
  }
});

test('a CR that ends a chunk, then an empty chunk, then the LF: still one CRLF', () => {
  assert.deepEqual(run(ours, ['data: a\r', '', '\n\r', '', '\n']), [['event', undefined, undefined, 'a']]);
});
