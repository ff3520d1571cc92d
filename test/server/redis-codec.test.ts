/**
 * The Redis broker's pure parts: reading pub/sub payloads and stream entries back, key layout, and
 * the health reasons it may show to clients.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerUnavailable } from '../../server/broker/errors.js';
import { decodeEntries, decodeLive, describeRedisError } from '../../server/broker/redis-codec.js';
import { redisKeys } from '../../server/broker/redis-scripts.js';
import { PushError, toPushError } from '../../server/errors.js';

describe('redis codec', () => {
  it('decodes a pub/sub payload, JSON with colons included', () => {
    assert.deepEqual(decodeLive('a:b', 'k2x9abcd:42:{"t":"1:2"}'), {
      channel: 'a:b',
      id: `k2x9abcd-${(42).toString(36)}`,
      epoch: 'k2x9abcd',
      seq: 42,
      json: '{"t":"1:2"}',
    });
  });

  it('refuses payloads our script never writes', () => {
    for (const bad of ['', 'nocolon', ':1:{}', 'e::{}', 'e:x:{}', 'e:0:{}', 'e:-3:{}', 'e:1.5:{}', `e:${2 ** 60}:{}`]) {
      assert.equal(decodeLive('c', bad), undefined, bad);
    }
  });

  it('decodes stream entries of the current epoch only, in order', () => {
    const entries = [
      ['3-0', ['e', 'old', 'd', '"stale"']],
      ['7-0', ['e', 'now', 'd', '{"n":1}']],
      ['9-0', ['d', '2', 'e', 'now']],
      ['11-0', ['e', 'now']],
    ];
    const messages = decodeEntries('c', 'now', entries);
    assert.deepEqual(
      messages.map((m) => [m.seq, m.json, m.id]),
      [
        [7, '{"n":1}', 'now-7'],
        [9, '2', 'now-9'],
      ],
    );
    assert.deepEqual(decodeEntries('c', 'now', null), []);
  });

  it('keys and pub/sub names round-trip every valid channel character', () => {
    const keys = redisKeys('p:', 2);
    const channel = 'a-Z_0:9./@';
    assert.equal(keys.stream(channel), `p:stream:${channel}`);
    assert.equal(keys.channelOfLive(keys.live(channel)), channel);
    assert.equal(keys.channelOfLive('other:live:2:x'), undefined);
    // Pub/sub spans databases: the database is in the name.
    assert.notEqual(redisKeys('p:', 0).live(channel), keys.live(channel));
    assert.equal(redisKeys('p:', 0).channelOfLive(keys.live(channel)), undefined);
  });

  it('health reasons name the failure, never an address or a stack', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), { code: 'ECONNREFUSED' });
    assert.equal(describeRedisError(refused), 'Redis is unreachable (ECONNREFUSED)');
    assert.equal(describeRedisError(new Error('NOAUTH Authentication required.')), 'Redis answered NOAUTH');
    assert.equal(describeRedisError(new Error("OOM command not allowed when used memory > 'maxmemory'.")), 'Redis answered OOM');
    assert.equal(describeRedisError(new Error('getaddrinfo ENOTFOUND redis.internal')), 'Redis is unreachable');
    assert.equal(describeRedisError(undefined), 'Redis is unreachable');
    assert.equal(describeRedisError(new Error("Socket timeout. Expecting data, but didn't receive any in 5000ms.")), 'Redis does not answer (timeout)');
    assert.equal(describeRedisError(new Error('Command timed out')), 'Redis does not answer (timeout)');
  });

  it('unavailability is answered by the endpoints as a 503 PushError', () => {
    const error = toPushError(brokerUnavailable('Redis is unreachable'));
    assert.ok(error instanceof PushError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'TABMUX_ERR_UNAVAILABLE');
    assert.equal(error.message, 'Redis is unreachable');
    assert.equal(error.headers['Retry-After'], '1');
  });
});
