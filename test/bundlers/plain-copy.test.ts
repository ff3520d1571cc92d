/**
 * No bundler: dist/index.js and dist/worker.js copied next to examples/01-basic/index.html as
 * tabmux.js and tabmux-worker.js — the "plain copy" way to ship the hub script — plus, as they
 * are, the dist/tabmux-*.js modules the client imports on demand from next to itself (the
 * in-page hub, which the `direct` fallback proves).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { provePage } from '../helpers/bundled-page-proof.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('plain copy of dist/worker.js (and the lazy modules): a message arrives through the SharedWorker, and through the in-page hub without worker hosts', async () => {
  for (const file of ['dist/index.js', 'dist/worker.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const out = mkdtempSync(join(tmpdir(), 'tabmux-plain-'));
  try {
    copyFileSync(join(root, 'examples/01-basic/index.html'), join(out, 'index.html'));
    copyFileSync(join(root, 'dist/index.js'), join(out, 'tabmux.js'));
    copyFileSync(join(root, 'dist/worker.js'), join(out, 'tabmux-worker.js'));
    for (const lazy of readdirSync(join(root, 'dist')).filter((f) => /^tabmux-.+\.js$/.test(f))) copyFileSync(join(root, 'dist', lazy), join(out, lazy));
    await provePage(out, /^\/tabmux-worker\.js$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
