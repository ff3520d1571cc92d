// Size budget of the browser bundles (STYLE.md habit 7): every tab downloads the client, and the
// hub script is fetched on every SharedWorker start. The budgets have ~25% headroom over the
// current minified build (client 12.2 KiB, hub 10.2 KiB gzipped), so they catch a heavy
// dependency slipping in, not normal growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { assertBuilt } from '../helpers/browser.js';

const BUDGETS = { 'dist/index.js': 16 * 1024, 'dist/worker.js': 13 * 1024 };

for (const [file, budget] of Object.entries(BUDGETS)) {
  test(`${file} gzipped stays within ${budget / 1024} KiB`, () => {
    assertBuilt();
    const size = gzipSync(readFileSync(new URL(`../../${file}`, import.meta.url))).length;
    console.log(`# ${file}: ${(size / 1024).toFixed(1)} KiB gzipped`);
    assert.ok(size <= budget, `${file} is ${size} bytes gzipped, over its ${budget}-byte budget`);
  });
}
