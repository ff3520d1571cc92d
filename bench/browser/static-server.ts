/**
 * The page origin of the browser benchmark: a real HTTP server on 127.0.0.1 (another origin
 * than the push server, as in most deployments) serving the built client and hub from dist/,
 * the bench pages, and the data-plane scripts bundled with esbuild at start.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const FILES: Record<string, string> = {
  '/tabmux.js': `${root}dist/index.js`,
  '/tabmux-worker.js': `${root}dist/worker.js`,
  '/bench/tab.html': `${here}pages/tab.html`,
  '/bench/relay-worker.js': `${here}pages/relay-worker.js`,
  '/bench/dataplane.html': `${here}pages/dataplane.html`,
  '/bench/battery.html': `${here}../battery/battery.html`,
};
const ENTRIES: Record<string, string> = {
  '/bench/dataplane-page.js': `${here}dataplane/page.ts`,
  '/bench/dataplane-worker.js': `${here}dataplane/worker.ts`,
};

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

async function bundle(entry: string): Promise<string> {
  const result = await build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'es2022', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

export async function startStaticServer(): Promise<StaticServer> {
  for (const file of ['/tabmux.js', '/tabmux-worker.js']) {
    if (!existsSync(FILES[file]!)) throw new Error(`${FILES[file]} is missing: run \`flock /tmp/tabmux-build.lock npm run build\` first`);
  }
  // Everything is read ONCE, at start: dist/ is shared with whoever rebuilds it, and a bench run
  // must serve one consistent build from its first tab to its last.
  const files = new Map<string, string | Buffer>();
  for (const [path, entry] of Object.entries(ENTRIES)) files.set(path, await bundle(entry));
  for (const [path, file] of Object.entries(FILES)) files.set(path, await readFile(file));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const type = path.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    const body = files.get(path);
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"no such bench file"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
