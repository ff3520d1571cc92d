/**
 * No bundler: dist/index.js and dist/worker.js copied next to examples/01-basic/index.html as
 * tabmux.js and tabmux-worker.js — the "plain copy" way to ship the hub script.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { provePage } from './prove-page.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('plain copy of dist/worker.js: a message arrives through the SharedWorker in Chromium', async () => {
  for (const file of ['dist/index.js', 'dist/worker.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const out = mkdtempSync(join(tmpdir(), 'tabmux-plain-'));
  try {
    copyFileSync(join(root, 'examples/01-basic/index.html'), join(out, 'index.html'));
    copyFileSync(join(root, 'dist/index.js'), join(out, 'tabmux.js'));
    copyFileSync(join(root, 'dist/worker.js'), join(out, 'tabmux-worker.js'));
    await provePage(out, /^\/tabmux-worker\.js$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
