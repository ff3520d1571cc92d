import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepth } from '../../server/json-depth.js';

test('jsonDepth counts nesting of arrays and objects, not brackets inside strings', () => {
  assert.equal(jsonDepth('1'), 0);
  assert.equal(jsonDepth('"[[[{{{"'), 0);
  assert.equal(jsonDepth('{"a":[1,{"b":"\\"]]"}]}'), 3);
  assert.equal(jsonDepth('[[],[[]],[]]'), 3);
  assert.equal(jsonDepth(`${'['.repeat(5000)}${']'.repeat(5000)}`), 5000);
});
