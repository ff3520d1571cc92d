/**
 * parseClientFrame(): a WebSocket client frame read into a typed value, or the refusal the
 * connection answers with (README, Endpoints: "bad frames {"op":"error","code","message","ref"}
 * and the socket stays open"). Pure: no server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientFrame } from '../../server/ws-client-frame.js';

const parse = (frame: unknown): ReturnType<typeof parseClientFrame> => parseClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));

describe('parseClientFrame', () => {
  it('refuses a binary frame', () => {
    assert.deepEqual(parseClientFrame(Buffer.from('{"op":"subscribe","channel":"a"}'), true), {
      op: 'bad',
      code: 'TABMUX_ERR_BAD_REQUEST',
      message: 'frames must be JSON text frames',
    });
  });

  it('refuses text that is not JSON', () => {
    for (const text of ['', '{', 'subscribe a', '{"op":"subscribe",}']) {
      assert.deepEqual(parse(text), { op: 'bad', code: 'TABMUX_ERR_BAD_JSON', message: 'the frame is not valid JSON' }, text);
    }
  });

  it('refuses JSON that is not an object', () => {
    for (const value of [null, 1, 'subscribe', true, [], [{ op: 'subscribe', channel: 'a' }]]) {
      assert.deepEqual(parse(JSON.stringify(value)), { op: 'bad', code: 'TABMUX_ERR_BAD_JSON', message: 'a frame is an object with an "op"' }, JSON.stringify(value));
    }
  });

  it('refuses an unknown or missing op, echoing its ref and a valid channel only', () => {
    const message = 'op must be "auth", "subscribe", "unsubscribe" or "publish"';
    assert.deepEqual(parse({ channel: 'a' }), { op: 'bad', code: 'TABMUX_ERR_BAD_REQUEST', message, channel: 'a' });
    assert.deepEqual(parse({ op: 'SUBSCRIBE', channel: 'a', ref: 7 }), { op: 'bad', code: 'TABMUX_ERR_BAD_REQUEST', message, ref: 7, channel: 'a' });
    assert.deepEqual(parse({ op: 'nope', channel: 'bad channel!', ref: 'r1' }), { op: 'bad', code: 'TABMUX_ERR_BAD_REQUEST', message, ref: 'r1' });
    assert.deepEqual(parse({ op: 42 }), { op: 'bad', code: 'TABMUX_ERR_BAD_REQUEST', message });
  });

  it('refuses a missing or invalid channel with the rule it breaks, never echoing it', () => {
    assert.deepEqual(parse({ op: 'subscribe', ref: 1 }), { op: 'bad', code: 'TABMUX_ERR_BAD_CHANNEL', message: 'channel name must be a string', ref: 1 });
    assert.deepEqual(parse({ op: 'unsubscribe', channel: '' }), { op: 'bad', code: 'TABMUX_ERR_BAD_CHANNEL', message: 'channel name is empty' });
    assert.deepEqual(parse({ op: 'publish', channel: 'x'.repeat(201), data: 1, ref: 'p' }), {
      op: 'bad',
      code: 'TABMUX_ERR_BAD_CHANNEL',
      message: 'channel name is longer than 200 characters',
      ref: 'p',
    });
    assert.deepEqual(parse({ op: 'subscribe', channel: 'a b' }), { op: 'bad', code: 'TABMUX_ERR_BAD_CHANNEL', message: 'channel name may only contain A-Z a-z 0-9 _ - : . / @' });
    assert.deepEqual(parse({ op: 'subscribe', channel: ['a'] }), { op: 'bad', code: 'TABMUX_ERR_BAD_CHANNEL', message: 'channel name must be a string' });
  });

  it('refuses a lastEventId that is not a string (its content is checked against the server later)', () => {
    assert.deepEqual(parse({ op: 'subscribe', channel: 'a', lastEventId: 5, ref: 2 }), {
      op: 'bad',
      code: 'TABMUX_ERR_BAD_EVENT_ID',
      message: 'lastEventId must be a string',
      ref: 2,
      channel: 'a',
    });
    assert.deepEqual(parse({ op: 'subscribe', channel: 'a', lastEventId: 'not-an-id' }), { op: 'subscribe', channel: 'a', lastEventId: 'not-an-id', ref: undefined });
  });

  it('reads valid frames, keeping a string or number ref and dropping any other', () => {
    assert.deepEqual(parse({ op: 'subscribe', channel: 'prices:AAPL' }), { op: 'subscribe', channel: 'prices:AAPL', lastEventId: undefined, ref: undefined });
    assert.deepEqual(parse({ op: 'subscribe', channel: 'a', lastEventId: 'k2x9abcd-1', ref: 'r' }), { op: 'subscribe', channel: 'a', lastEventId: 'k2x9abcd-1', ref: 'r' });
    assert.deepEqual(parse({ op: 'unsubscribe', channel: 'a/b@c', ref: 3 }), { op: 'unsubscribe', channel: 'a/b@c', ref: 3 });
    assert.deepEqual(parse({ op: 'publish', channel: 'chat', data: { text: 'hi' }, ref: 9 }), { op: 'publish', channel: 'chat', data: { text: 'hi' }, ref: 9, idempotencyKey: undefined });
    assert.deepEqual(parse({ op: 'publish', channel: 'chat', data: null, ref: { no: 1 } }), { op: 'publish', channel: 'chat', data: null, ref: undefined, idempotencyKey: undefined });
    // Publishing checks `data` like any publish: a frame without it is still a publish frame.
    assert.deepEqual(parse({ op: 'publish', channel: 'chat' }), { op: 'publish', channel: 'chat', data: undefined, ref: undefined, idempotencyKey: undefined });
    assert.deepEqual(parse({ op: 'publish', channel: 'chat', data: 1, idempotencyKey: 'k-1' }), { op: 'publish', channel: 'chat', data: 1, ref: undefined, idempotencyKey: 'k-1' });
    assert.equal(parse({ op: 'publish', channel: 'chat', data: 1, idempotencyKey: 7, ref: 2 }).op, 'bad', 'a key that is not a string is refused');
    assert.equal(parse({ op: 'publish', channel: 'chat', data: 1, idempotencyKey: '' }).op, 'bad');
    assert.deepEqual(parseClientFrame(Buffer.from('{"op":"unsubscribe","channel":"a"}')), { op: 'unsubscribe', channel: 'a', ref: undefined });
  });

  it('reads auth frames; an absent, empty or non-string token is undefined for the connection to answer', () => {
    assert.deepEqual(parse({ op: 'auth', token: 'eyJ.x.y', ref: 1 }), { op: 'auth', token: 'eyJ.x.y' });
    for (const token of [undefined, '', 5, null, ['t']]) {
      assert.deepEqual(parse({ op: 'auth', token }), { op: 'auth', token: undefined }, JSON.stringify(token));
    }
  });
});
