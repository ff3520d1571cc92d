/**
 * webpack 5: examples/09-webpack built in the test run with webpack's Node API and the example's
 * own config. `new URL('tabmux/worker', import.meta.url)` resolves through the package's `exports`
 * (`./worker`), webpack emits dist/worker.js as a hashed asset and rewrites the URL; the built page
 * is then proven in Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import webpack from 'webpack';
import type { Configuration, Stats } from 'webpack';
import { withTimeout } from '../helpers/wait.js';
import { provePage } from '../helpers/bundled-page-proof.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function compile(config: Configuration): Promise<Stats> {
  return new Promise((resolve, reject) => {
    const compiler = webpack(config);
    compiler.run((error, stats) => {
      compiler.close(() => undefined);
      if (error) return reject(error);
      if (!stats) return reject(new Error('webpack returned no stats'));
      if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })));
      resolve(stats);
    });
  });
}

test('webpack build of examples/09-webpack: the hub is an emitted asset and a message arrives through it', async () => {
  if (!existsSync(join(root, 'dist/worker.js'))) throw new Error('dist/worker.js is missing: run `npm run build` first');
  const { default: config } = (await import(pathToFileURL(join(root, 'examples/09-webpack/webpack.config.js')).href)) as { default: Configuration };
  const out = mkdtempSync(join(tmpdir(), 'tabmux-webpack-'));
  try {
    await withTimeout(compile({ ...config, output: { ...config.output, path: out } }), 120_000, 'webpack to build the example');
    const files = readdirSync(out);
    const hub = files.filter((f) => /^[0-9a-f]{20}\.js$/.test(f));
    assert.equal(hub.length, 1, `webpack emitted the hub script as one hashed asset (files: ${files.join(', ')})`);
    await provePage(out, new RegExp(`^/${hub[0]}$`));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
