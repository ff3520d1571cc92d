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

/** Budgets from issue 10: a client small enough for any page, a hub well under one round trip. */
const BUDGETS = [
  { file: 'dist/index.js', limit: 6 * KIB },
  { file: 'dist/worker.js', limit: 16 * KIB },
] as const;

function gzipBytes(file: string): { raw: number; gzip: number } {
  const path = `${root}/${file}`;
  assert.ok(existsSync(path), `${file} is missing: run \`npm run build\` before the size budget`);
  const body = readFileSync(path);
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
}

for (const { file, limit } of BUDGETS) {
  test(`${file} gzips to at most ${limit / KIB} KiB`, (t) => {
    const { raw, gzip } = gzipBytes(file);
    t.diagnostic(`${file}: ${raw} B raw, ${gzip} B gzip (budget ${limit} B)`);
    assert.ok(gzip <= limit, `${file} is ${gzip} B gzipped (${(gzip / KIB).toFixed(1)} KiB), over its budget of ${limit} B (${limit / KIB} KiB)`);
  });
}
