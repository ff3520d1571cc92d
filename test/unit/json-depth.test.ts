import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepth, withinDepth } from '../../server/json-depth.js';

test('jsonDepth counts nesting of arrays and objects, not brackets inside strings', () => {
  assert.equal(jsonDepth('1'), 0);
  assert.equal(jsonDepth('"[[[{{{"'), 0);
  assert.equal(jsonDepth('{"a":[1,{"b":"\\"]]"}]}'), 3);
  assert.equal(jsonDepth('[[],[[]],[]]'), 3);
  assert.equal(jsonDepth(`${'['.repeat(5000)}${']'.repeat(5000)}`), 5000);
});

test('withinDepth agrees with jsonDepth, on either side of the bound, brackets in strings or not', () => {
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  for (const n of [0, 1, 63, 64, 65, 200]) assert.equal(withinDepth(nested(n), 64), n <= 64, `depth ${n}`);
  // Many brackets, little nesting: counted past the bound, then scanned, and still within it.
  assert.equal(withinDepth(`[${'[],'.repeat(100)}[]]`, 64), true);
  assert.equal(withinDepth(`{"a":"${'{'.repeat(100)}"}`, 64), true);
  // Objects and arrays both count toward the nesting.
  assert.equal(withinDepth(`${'{"a":['.repeat(33)}1${']}'.repeat(33)}`, 64), false);
  assert.equal(withinDepth(`${'{"a":['.repeat(32)}1${']}'.repeat(32)}`, 64), true);
});
