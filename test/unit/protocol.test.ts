import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEventId, parseEventId, isAfter, newEpoch } from '../../src/protocol/event-id.js';
import { isValidChannelName, channelNameProblem } from '../../src/protocol/channel-name.js';

test('event ids round-trip and stay short and URL/SSE safe', () => {
  const epoch = newEpoch(Date.UTC(2026, 10, 22), () => 0.999999);
  const id = formatEventId(epoch, Number.MAX_SAFE_INTEGER);
  assert.ok(id.length <= 128, id);
  assert.match(id, /^[0-9a-z-]+$/);
  assert.deepEqual(parseEventId(id), { epoch, seq: Number.MAX_SAFE_INTEGER });
  assert.deepEqual(parseEventId(formatEventId('abc', 0)), { epoch: 'abc', seq: 0 });
});

test('malformed ids are refused, not guessed', () => {
  for (const bad of ['', '-', 'abc', 'abc-', '-1', 'ABC-1', 'abc-1\n', 'abc-1-2', 'a b-1', 'x'.repeat(17) + '-1', 'abc-zzzzzzzzzzzz', 42, null, undefined]) {
    assert.equal(parseEventId(bad), undefined, String(bad));
  }
});

test('ids order within an epoch and never across epochs', () => {
  const a = { epoch: 'e1', seq: 5 };
  assert.equal(isAfter({ epoch: 'e1', seq: 6 }, a), true);
  assert.equal(isAfter({ epoch: 'e1', seq: 5 }, a), false);
  assert.equal(isAfter({ epoch: 'e2', seq: 600 }, a), false);
});

test('channel names follow the contract', () => {
  for (const good of ['a', 'prices', 'chat:lobby', 'user@example.com/inbox', 'A-Z_0.9', 'x'.repeat(200)]) {
    assert.equal(isValidChannelName(good), true, good);
    assert.equal(channelNameProblem(good), undefined);
  }
  for (const bad of ['', 'x'.repeat(201), 'a b', 'a\nb', 'ä', '$open', 'a*', 'a?b', 7]) {
    assert.equal(isValidChannelName(bad), false, String(bad));
    assert.equal(typeof channelNameProblem(bad), 'string');
  }
});

test('TABMUX_VERSION is package.json version, and versions compare numerically', async () => {
  const { TABMUX_VERSION, compareVersions } = await import('../../src/protocol/version.js');
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(TABMUX_VERSION, pkg.version);
  assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
  assert.ok(compareVersions('1.0.0', '1.0.0-beta.1') === 0);
  assert.ok(compareVersions('0.1.0', '0.1.1') < 0);
});
