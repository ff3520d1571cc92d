// Three outputs, one per runtime (README, Install), plus the protocol helpers and the React hooks:
//  - dist/index.js   the browser client, one ES module (also served as /tabmux.js), plus the
//                    modules it imports on demand from next to itself (LAZY_MODULES below: the
//                    in-page hub of the `direct`/`leader` hosts, SharedEventSource's engine…), for
//                    the client's size budget (README, Size)
//  - dist/worker.js  the hub, one self-contained classic script: it then runs as a classic or module
//                    SharedWorker and as a Service Worker (importScripts-able) alike
//  - dist/server/    the Node push server and CLI; npm dependencies stay external
//  - dist/protocol.js `tabmux/protocol`: error codes, channel-name and event-id helpers
//  - dist/react.js   `tabmux/react`: useChannel and useMuxState
import { builtinModules } from 'node:module';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { LAZY_MODULES, lazyModuleOf } from './lazy-modules.js';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
// Peers too: ioredis (optional, imported on demand by the Redis broker) stays the user's install.
const nodeExternal = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
const ts = (target) => esbuild({ target, tsconfig: 'tsconfig.base.json', legalComments: 'none' });
// Browser bundles are minified (with source maps): their gzip size is budgeted
// (test/package/size-budget.test.ts); the server is not, so its stack traces stay readable. Terser,
// not esbuild's minifier: 4–5 % smaller gzipped here (11.2 vs 11.7 KiB for the client at this
// writing), as its compressor inlines and folds across the whole bundle. Names are not kept:
// nothing here depends on a function or class name (TabmuxError sets its `name` itself).
const browser = (target, module) => [ts(target), terser({ ecma: 2020, module, compress: { passes: 2 }, format: { comments: false } })];

/** Copies the demo page next to the bundles, so the server finds it in a published package too. */
const copyDemo = {
  name: 'copy-demo',
  writeBundle() {
    if (existsSync('server/demo')) cpSync('server/demo', 'dist/demo', { recursive: true });
  },
};

/**
 * LAZY_MODULES (lazy-modules.js): modules the client imports on demand, each built on its own,
 * self-contained, to dist/<out> next to dist/index.js. Not chunks of rollup's code splitting: such
 * a chunk imports what it shares back from the entry by the entry's file name (`./index.js`), and
 * the client is also served as `/tabmux.js` and copied under other names — a second copy of the
 * client would load, or nothing. So every `import()` of one of these modules, from the client or
 * from another lazy module, is made external, pointing at the file next to it. What a lazy module
 * shares with the client is its own copy (the in-page hub's comlink `expose` half; they talk over
 * a port).
 *
 * Adding one: list it there, serve it (server/static-files.ts STATIC_FILES), and budget it
 * (the size-budget test, which fails on a lazy file that is not served or budgeted).
 */
const lazyExternal = {
  name: 'lazy-external',
  resolveDynamicImport(specifier, importer) {
    const out = lazyModuleOf(specifier, importer)?.out;
    // 'absolute': written exactly as given, not made relative to the importing source file.
    return out ? { id: `./${out}`, external: 'absolute' } : null;
  },
};

/**
 * Any other `import()` in the client (a host loading a library on demand, say) becomes a chunk
 * `dist/tabmux-<name>.js` next to the client; it must not import from the client itself, for the
 * reason above — a build that would emit such a chunk fails here, with the way out.
 */
const selfContainedChunks = {
  name: 'self-contained-chunks',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk' || chunk.isEntry) continue;
      const back = chunk.imports.filter((file) => bundle[file]?.type === 'chunk' && bundle[file].isEntry);
      if (back.length > 0) {
        this.error(
          `${chunk.fileName} imports ${back.join(', ')}: the client is also served as /tabmux.js, so a lazy chunk must be ` +
            'self-contained — list its module in LAZY_MODULES (rollup.config.js), or stop sharing modules with the client',
        );
      }
    }
  },
};

export default [
  {
    input: { index: 'src/index.ts' },
    output: { dir: 'dist', entryFileNames: '[name].js', chunkFileNames: 'tabmux-[name].js', format: 'es', sourcemap: true },
    plugins: [lazyExternal, selfContainedChunks, nodeResolve({ browser: true }), ...browser('es2022', true)],
  },
  ...LAZY_MODULES.map(({ source, out }) => ({
    input: source,
    // One file: a library it imports on demand is already behind this module's own laziness.
    output: { file: `dist/${out}`, format: 'es', sourcemap: true, inlineDynamicImports: true },
    plugins: [lazyExternal, nodeResolve({ browser: true }), ...browser('es2022', true)],
  })),
  // `tabmux/protocol`: the helpers client, hub and server share (error codes, channel names, event
  // ids), for pages and Node code that check or build what they send. Not in dist/index.js, which
  // every page pays for; not minified: it is small, and read from stack traces on servers too.
  {
    input: 'src/protocol/index.ts',
    output: { file: 'dist/protocol.js', format: 'es', sourcemap: true },
    plugins: [ts('es2022')],
  },
  // `tabmux/react`: the hooks, for apps that bundle React. Not in dist/index.js (pages without
  // React must not pay for them); React is the app's (external, an optional peer dependency), and
  // the client is imported for its types only. Not minified, like the protocol helpers: small, and
  // the app's bundler minifies it with the rest.
  {
    input: 'src/react/index.ts',
    output: { file: 'dist/react.js', format: 'es', sourcemap: true },
    external: ['react'],
    plugins: [ts('es2022')],
  },
  {
    input: 'worker/entry.ts',
    output: { file: 'dist/worker.js', format: 'iife', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), ...browser('es2022', false)],
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
