/**
 * Gzip size budget of what pages pay for (README, section "Size"): the client module
 * (dist/index.js, every page), the hub script (dist/worker.js) and the modules the client imports
 * on demand (dist/tabmux-*.js: the in-page hub of the `direct`/`leader` hosts). Measured on the
 * BUILT files, exactly as shipped, with node:zlib at level 9 (what a CDN or `gzip -9` serves). A
 * missing build is a failure, not a skip: a budget that silently does not run guards nothing.
 *
 * It also proves that every module the client imports on demand is built, served by the push
 * server next to /tabmux.js, and budgeted here: a new lazy module can not ship unserved (the page
 * would fail to load it) or grow unnoticed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { STATIC_FILES } from '../../server/static-files.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KIB = 1024;

interface Budget {
  readonly file: string;
  /** In bytes gzipped: more fails the run. */
  readonly limit: number;
}

/**
 * The budgets: a client small enough for any page, a hub well under one round trip.
 * The in-page hub is the same hub as the worker (without its SharedWorker host): the same budget.
 */
const BUDGETS: readonly Budget[] = [
  // 5.9 KiB on 2026-11-22 (5992 B): every host but shared-worker and SharedEventSource's engine are loaded
  // on demand, the protocol helpers are `tabmux/protocol`, and the tab speaks Comlink's protocol
  // with its own stub (src/hub-rpc.ts) instead of comlink's wrap.
  { file: 'dist/index.js', limit: 6 * KIB },
  { file: 'dist/worker.js', limit: 16 * KIB },
  { file: 'dist/tabmux-in-page-hub.js', limit: 16 * KIB },
  // The in-page hub's WebSocket and long-poll transports, loaded on their first use (1.9 KiB on 2026-12-07).
  { file: 'dist/tabmux-transports.js', limit: 3 * KIB },
  { file: 'dist/tabmux-leader.js', limit: 6 * KIB },
  { file: 'dist/tabmux-service-worker.js', limit: 6 * KIB },
  // SharedEventSource's engine: the hub link and the native fallback, no hub (that runs in the worker).
  { file: 'dist/tabmux-event-source.js', limit: 2 * KIB },
  // `direct` only, when its hub starts: the in-task endpoint and the lazy one-tab side.
  { file: 'dist/tabmux-direct-hub.js', limit: 2 * KIB },
  // `direct` only, on a page's first one-tab subscription: one-tab delivery across the tabs.
  { file: 'dist/tabmux-one-tab-peers.js', limit: 4 * KIB },
];

function built(file: string): Buffer {
  const path = `${root}/${file}`;
  assert.ok(existsSync(path), `${file} is missing: run \`npm run build\` before the size budget`);
  return readFileSync(path);
}

function gzipBytes(file: string): { raw: number; gzip: number } {
  const body = built(file);
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
}

const over = (file: string, gzip: number, limit: number) =>
  `${file} is ${gzip} B gzipped (${(gzip / KIB).toFixed(1)} KiB), over ${limit} B (${limit / KIB} KiB)`;

for (const { file, limit } of BUDGETS) {
  test(`${file} gzips to at most ${limit / KIB} KiB`, (t) => {
    const { raw, gzip } = gzipBytes(file);
    t.diagnostic(`${file}: ${raw} B raw, ${gzip} B gzip = ${(gzip / KIB).toFixed(2)} KiB (budget ${limit} B)`);
    assert.ok(gzip <= limit, over(file, gzip, limit));
  });
}

/**
 * What a page on the leader path loads (no SharedWorker, no usable Service Worker: README, Hosts):
 * the client, the leader module and, in the elected tab, the in-page hub — 22.5 KiB before the
 * hub dropped comlink's `expose` and eventsource-parser for its own halves and loaded WebSocket and
 * long-poll on demand (19.6 KiB on 2026-12-07). Streaming over SSE (the default); a hub on
 * WebSocket or long-poll also loads dist/tabmux-transports.js, reported beside it.
 */
const LEADER_PATH = ['dist/index.js', 'dist/tabmux-leader.js', 'dist/tabmux-in-page-hub.js'];
const LEADER_PATH_LIMIT = 20 * KIB;

test(`the leader path (client + leader module + in-page hub) gzips to at most ${LEADER_PATH_LIMIT / KIB} KiB`, (t) => {
  const total = LEADER_PATH.reduce((sum, file) => sum + gzipBytes(file).gzip, 0);
  const withTransports = total + gzipBytes('dist/tabmux-transports.js').gzip;
  t.diagnostic(`leader path: ${LEADER_PATH.map((file) => `${file} ${gzipBytes(file).gzip} B`).join(' + ')} = ${total} B gzip = ${(total / KIB).toFixed(2)} KiB (budget ${LEADER_PATH_LIMIT} B)`);
  t.diagnostic(`leader path over WebSocket or long-poll (+ dist/tabmux-transports.js): ${withTransports} B = ${(withTransports / KIB).toFixed(2)} KiB`);
  assert.ok(total <= LEADER_PATH_LIMIT, over('the leader path', total, LEADER_PATH_LIMIT));
});

/** The files a built module imports on demand: `import("./x.js")` as rollup writes it. */
function lazyImports(file: string): string[] {
  return [...built(file).toString('utf8').matchAll(/\bimport\(\s*["']\.\/([^"'/]+\.js)["']\s*\)/g)].map((match) => match[1]!);
}

/** Static imports of relative files (`import{x}from"./y.js"`, `import"./y.js"`, `export{x}from"./y.js"`) in a built module. */
function staticImports(file: string): string[] {
  return [...built(file).toString('utf8').matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]!);
}

test('every module the client imports on demand is built, served next to /tabmux.js, and budgeted', (t) => {
  // The client is one ES module at /tabmux.js (README, "Endpoints"): nothing it needs up front may be another file.
  assert.deepEqual(staticImports('dist/index.js'), [], 'dist/index.js imports no other file statically');
  const seen = new Set<string>();
  const queue = lazyImports('dist/index.js');
  assert.ok(queue.length > 0, 'dist/index.js imports the in-page hub on demand (it is not bundled into the client)');
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const file = `dist/${name}`;
    assert.ok(existsSync(`${root}/${file}`), `dist/index.js imports ./${name} on demand, but ${file} was not built`);
    // The push server serves the client at /tabmux.js, so `./x.js` resolves to /x.js (under basePath alike).
    assert.equal(STATIC_FILES[`/${name}`]?.file, name, `the push server must serve ${file} at /${name} (server/static-files.ts)`);
    assert.ok(BUDGETS.some((budget) => budget.file === file), `${file} has no size budget here`);
    assert.deepEqual(staticImports(file), [], `${file} imports no other file statically (self-contained, rollup.config.js LAZY_MODULES)`);
    t.diagnostic(`lazy: ${file} (${gzipBytes(file).gzip} B gzip)`);
    queue.push(...lazyImports(file));
  }
});

/**
 * What a bundler keeps of the SHIPPED dist/index.js for a page that imports `connect` alone: the
 * rest of the root entry (SharedEventSource, the protocol helpers) must tree-shake away — a
 * top-level side effect added to one of them would make every bundled page pay for it. The size
 * is a figure for the README, not a budget: /tabmux.js is served whole, so the budget above stays
 * on the whole file.
 */
test('connect() alone, bundled from dist/index.js, leaves SharedEventSource and the protocol helpers out', async (t) => {
  built('dist/index.js');
  const result = await build({
    stdin: { contents: "export { connect } from './dist/index.js';", resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
    external: ['./tabmux-*'],
  });
  const code = result.outputFiles[0]!.text;
  t.diagnostic(`connect() alone from dist/index.js: ${code.length} B raw, ${gzipSync(code, { level: 9 }).length} B gzip`);
  assert.ok(code.includes('APPLY') && code.includes('tabmux-tab:'), 'the bundle holds the client (its Comlink stub and all)');
  // Strings only those modules hold: SharedEventSource's constructor error, its tab→hub message, the server's error catalog.
  for (const mark of ["'SharedEventSource'", 'es-open', 'TABMUX_ERR_SLOW_CONSUMER']) {
    assert.ok(!code.includes(mark), `${mark} is in a bundle of connect() alone: something in the root entry is no longer tree-shakable`);
  }
});
