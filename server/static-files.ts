/**
 * The demo page and the browser bundles, served from the build: `/` → dist/demo/index.html,
 * `/tabmux.js` → dist/index.js, `/tabmux-worker.js` → dist/worker.js. The dist folder is found
 * from this module's own location, from source (`server/*.ts` under tsx → `../dist/`) and from
 * the bundle (`dist/server/*.js` → `../`) alike.
 */
import type { ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PushError } from './errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const distDir = basename(here) === 'server' && basename(dirname(here)) === 'dist' ? dirname(here) : join(dirname(here), 'dist');

const JS = 'text/javascript; charset=utf-8';
export const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/tabmux.js': { file: 'index.js', type: JS },
  '/tabmux-worker.js': { file: 'worker.js', type: JS },
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
    'Content-Type': entry.type,
    'Content-Length': body.length,
    // Always revalidated: a new build must reach the page and the hub at once.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(headOnly ? undefined : body);
}
