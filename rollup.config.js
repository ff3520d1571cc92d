// Three outputs, one per runtime (CONTRACT.md "The package"):
//  - dist/index.js   the browser client, one ES module (also served as /tabmux.js), plus
//    dist/tabmux-in-page-hub.js, the hub for the `direct`/`leader` hosts, which the client
//    imports on demand from next to itself (src/hosts/in-page-hub.ts; issue 10's size budget)
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

/**
 * The in-page hub is its own self-contained module, not a chunk that rollup's code splitting
 * would share with the client: such a chunk imports what it shares back from the entry by the
 * entry's file name (`./index.js`), and the client is also served as `/tabmux.js` and copied
 * under other names — a second copy of the client would load, or nothing. So the client's
 * `import('./in-page-hub-chunk.js')` is made external, pointing at the file next to it, and that
 * file is built on its own (its comlink `expose` half is its own copy; they talk over a port).
 */
const IN_PAGE_HUB_OUT = 'tabmux-in-page-hub.js';
const inPageHubExternal = {
  name: 'in-page-hub-external',
  resolveDynamicImport(specifier, importer) {
    if (specifier !== './in-page-hub-chunk.js' || !importer?.endsWith('in-page-hub.ts')) return null;
    // 'absolute': written exactly as given, not made relative to the source file's folder.
    return { id: `./${IN_PAGE_HUB_OUT}`, external: 'absolute' };
  },
};

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.js', format: 'es', sourcemap: true },
    plugins: [inPageHubExternal, nodeResolve({ browser: true }), ts('es2022', true)],
  },
  {
    input: 'src/hosts/in-page-hub-chunk.ts',
    output: { file: `dist/${IN_PAGE_HUB_OUT}`, format: 'es', sourcemap: true },
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
