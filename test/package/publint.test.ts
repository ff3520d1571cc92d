/**
 * `publint` on the package as npm would pack it: the `exports`, `types`, `bin` and
 * `files` a user installs must point at files that exist and are of the right format. Runs on the
 * built package (`npm pack` file list), so a missing build fails here rather than passing blind.
 * Errors fail the test; warnings and suggestions are printed as diagnostics for the maintainers.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('publint reports no error on the packed package', async (t) => {
  for (const file of ['dist/index.js', 'dist/worker.js', 'dist/server/index.js', 'dist/types/src/index.d.ts']) {
    assert.ok(existsSync(`${root}/${file}`), `${file} is missing: run \`npm run build\` before publint`);
  }
  const { messages, pkg } = await publint({ pkgDir: root, level: 'suggestion', pack: 'npm' });
  const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  for (const line of lines) t.diagnostic(line);
  const errors = lines.filter((line) => line.startsWith('error:'));
  assert.deepEqual(errors, [], `publint errors:\n${errors.join('\n')}`);
});
