/**
 * The demo page and the browser bundles, served from the build: `/` → dist/demo/index.html,
 * `/tabmux.js` → dist/index.js, `/tabmux-worker.js` → dist/worker.js, and the modules the client
 * imports on demand from next to itself (`/tabmux-in-page-hub.js`: the hub of the `direct` host,
 * `/tabmux-event-source.js`: SharedEventSource's engine…; rollup.config.js). Under `basePath` they
 * all move together, so the client's relative `import()` still finds them. The dist folder is found
 * from this module's own location, from source (`server/*.ts` under tsx → `../dist/`) and from
 * the bundle (`dist/server/*.js` → `../`) alike.
 */
import type { ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PushError } from './errors.js';
import { pageHeaders, scriptHeaders, workerHeaders } from './security-headers.js';

const here = dirname(fileURLToPath(import.meta.url));
const distDir = basename(here) === 'server' && basename(dirname(here)) === 'dist' ? dirname(here) : join(dirname(here), 'dist');

const JS = 'text/javascript; charset=utf-8';
type Kind = 'page' | 'script' | 'worker';
export const STATIC_FILES: Readonly<Record<string, { file: string; type: string; kind: Kind }>> = {
  '/': { file: 'demo/index.html', type: 'text/html; charset=utf-8', kind: 'page' },
  '/index.html': { file: 'demo/index.html', type: 'text/html; charset=utf-8', kind: 'page' },
  '/tabmux.js': { file: 'index.js', type: JS, kind: 'script' },
  '/tabmux-worker.js': { file: 'worker.js', type: JS, kind: 'worker' },
  // Same name in dist/ as here: `import('./tabmux-in-page-hub.js')` in /tabmux.js lands on it.
  '/tabmux-in-page-hub.js': { file: 'tabmux-in-page-hub.js', type: JS, kind: 'script' },
  '/tabmux-leader.js': { file: 'tabmux-leader.js', type: JS, kind: 'script' },
  '/tabmux-service-worker.js': { file: 'tabmux-service-worker.js', type: JS, kind: 'script' },
  '/tabmux-event-source.js': { file: 'tabmux-event-source.js', type: JS, kind: 'script' },
};

/** Each kind's security headers; a Record, so a new kind without headers does not compile. */
const HEADERS_OF: Readonly<Record<Kind, (body: Buffer) => Record<string, string>>> = {
  page: (body) => pageHeaders(body.toString('utf8')),
  script: scriptHeaders,
  worker: workerHeaders,
};

export async function serveStatic(path: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  const entry = STATIC_FILES[path]!;
  let body: Buffer;
  try {
    body = await readFile(join(distDir, entry.file));
  } catch {
    throw new PushError('TABMUX_ERR_NOT_FOUND', `${path} is served from dist/${entry.file}, which is not built yet: run npm run build`);
  }
  res.writeHead(200, {
    ...HEADERS_OF[entry.kind](body),
    'Content-Type': entry.type,
    'Content-Length': body.length,
    // Always revalidated: a new build must reach the page and the hub at once.
    'Cache-Control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
}
