/**
 * Vite: examples/08-vite built in the test run with Vite's JS API (the same as `vite build`).
 * `new URL('tabmux/worker', import.meta.url)` resolves through the package's `exports`
 * (`./worker`) and emits dist/worker.js unchanged as a hashed asset; the built page is then proven in Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { provePage } from '../helpers/bundled-page-proof.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('Vite build of examples/08-vite: the hub is an emitted asset and a message arrives through it', async () => {
  if (!existsSync(join(root, 'dist/worker.js'))) throw new Error('dist/worker.js is missing: run `npm run build` first');
  const out = mkdtempSync(join(tmpdir(), 'tabmux-vite-'));
  try {
    await build({ root: join(root, 'examples/08-vite'), configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    const assets = readdirSync(join(out, 'assets'));
    assert.ok(assets.some((f) => /^worker-[\w-]+\.js$/.test(f)), `Vite emitted the hub script as an asset (assets: ${assets.join(', ')})`);
    await provePage(out, /^\/assets\/worker-[\w-]+\.js$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
