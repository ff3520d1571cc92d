/**
 * Gzip size budget of the two files every page pays for (issue 10, STYLE.md habit 7): the client
 * module (dist/index.js) and the hub script (dist/worker.js). Measured on the BUILT files, exactly
 * as shipped, with node:zlib at level 9 (what a CDN or `gzip -9` serves). A missing build is a
 * failure, not a skip: a budget that silently does not run guards nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KIB = 1024;

/**
 * Budgets from issue 10: a client small enough for any page, a hub well under one round trip.
 * The client misses its target today: it bundles the whole in-page hub (transports, parser) for
 * the `direct` host. Until that moves out, the target is reported as a `todo`, and a ceiling
 * (16 KiB; 14.0 KiB at this writing) guards against a heavy dependency slipping in.
 */
const BUDGETS = [
  {
    file: 'dist/index.js',
    limit: 6 * KIB,
    ceiling: 16 * KIB,
    todo: 'client over its 6 KiB target: the direct host bundles the in-page hub',
  },
  { file: 'dist/worker.js', limit: 16 * KIB, ceiling: 16 * KIB, todo: undefined },
] as const;

function gzipBytes(file: string): { raw: number; gzip: number } {
  const path = `${root}/${file}`;
  assert.ok(existsSync(path), `${file} is missing: run \`npm run build\` before the size budget`);
  const body = readFileSync(path);
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
}

const over = (file: string, gzip: number, limit: number) =>
  `${file} is ${gzip} B gzipped (${(gzip / KIB).toFixed(1)} KiB), over ${limit} B (${limit / KIB} KiB)`;

for (const { file, limit, ceiling, todo } of BUDGETS) {
  test(`${file} gzips to at most ${limit / KIB} KiB`, { todo }, (t) => {
    const { raw, gzip } = gzipBytes(file);
    t.diagnostic(`${file}: ${raw} B raw, ${gzip} B gzip (budget ${limit} B)`);
    assert.ok(gzip <= limit, over(file, gzip, limit));
  });
  if (ceiling !== limit) {
    test(`${file} does not grow past ${ceiling / KIB} KiB gzipped`, () => {
      const { gzip } = gzipBytes(file);
      assert.ok(gzip <= ceiling, over(file, gzip, ceiling));
    });
  }
}
