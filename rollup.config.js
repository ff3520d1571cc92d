// Three outputs, one per runtime (CONTRACT.md "The package"):
//  - dist/index.js   the browser client, one self-contained ES module (also served as /tabmux.js)
//  - dist/worker.js  the hub, one self-contained classic script: it then runs as a classic or module
//                    SharedWorker and as a Service Worker (importScripts-able) alike
//  - dist/server/    the Node push server and CLI; npm dependencies stay external
import { builtinModules } from 'node:module';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const nodeExternal = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)];
// Browser bundles are minified (with source maps): their gzip size is budgeted
// (test/unit/size-budget.test.ts); the server is not, so its stack traces stay readable.
const ts = (target, minify = false) => esbuild({ target, tsconfig: 'tsconfig.base.json', minify, legalComments: 'none' });

/** Copies the demo page next to the bundles, so the server finds it in a published package too. */
const copyDemo = {
  name: 'copy-demo',
  writeBundle() {
    if (existsSync('server/demo')) cpSync('server/demo', 'dist/demo', { recursive: true });
  },
};

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.js', format: 'es', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), ts('es2022', true)],
  },
  {
    input: 'worker/entry.ts',
    output: { file: 'dist/worker.js', format: 'iife', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), ts('es2022', true)],
  },
  {
    input: { index: 'server/index.ts', cli: 'server/cli.ts' },
    output: {
      dir: 'dist/server',
      format: 'es',
      sourcemap: true,
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    external: (id) => nodeExternal.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [ts('node20'), copyDemo],
  },
];
