/**
 * The demo page and the browser bundles, served from the build: `/` → dist/demo/index.html,
 * `/tabmux.js` → dist/index.js, `/tabmux-worker.js` → dist/worker.js, and the modules the client
 * imports on demand from next to itself (`/tabmux-in-page-hub.js`: the hub of the `direct` host,
 * `/tabmux-event-source.js`: SharedEventSource's engine…; rollup.config.js). Under `basePath` they
 * all move together, so the client's relative `import()` still finds them. The dist folder is found
 * from this module's own location, from source (`server/*.ts` under tsx → `../dist/`) and from
 * the bundle (`dist/server/*.js` → `../`) alike.
 *
 * Each file is read, hashed and compressed (gzip, Brotli) once, again only when the file on disk
 * changes (a rebuild under a running server): a page load then costs a `304` when nothing
 * changed, or the compressed bytes. Every file is `no-cache` + `ETag` (README, Endpoints): the
 * hub script must be revalidated so a deploy reaches every browser, and the lazy modules keep
 * fixed names (no content hash) the client imports by, so they cannot be immutable either.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
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
  // The in-page hub's WebSocket and long-poll transports, imported on demand from next to it.
  '/tabmux-transports.js': { file: 'tabmux-transports.js', type: JS, kind: 'script' },
  '/tabmux-service-worker.js': { file: 'tabmux-service-worker.js', type: JS, kind: 'script' },
  '/tabmux-event-source.js': { file: 'tabmux-event-source.js', type: JS, kind: 'script' },
  // Imported by /tabmux-in-page-hub.js from next to itself when it starts as `direct`.
  '/tabmux-direct-hub.js': { file: 'tabmux-direct-hub.js', type: JS, kind: 'script' },
  // Imported by /tabmux-direct-hub.js from next to itself (one-tab delivery across tabs).
  '/tabmux-one-tab-peers.js': { file: 'tabmux-one-tab-peers.js', type: JS, kind: 'script' },
};

/** Each kind's security headers; a Record, so a new kind without headers does not compile. */
const HEADERS_OF: Readonly<Record<Kind, (body: Buffer) => Record<string, string>>> = {
  page: (body) => pageHeaders(body.toString('utf8')),
  script: scriptHeaders,
  worker: workerHeaders,
};

/** The codings offered, best first: Brotli is ~15% smaller than gzip on these bundles. */
const CODINGS = ['br', 'gzip'] as const;
type Coding = (typeof CODINGS)[number] | 'identity';

const compress: Readonly<Record<(typeof CODINGS)[number], (body: Buffer) => Promise<Buffer>>> = {
  // Highest levels: done once per file, so the time is spent once and the bytes saved every load.
  br: (body) => promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body) => promisify(gzip)(body, { level: zlib.Z_BEST_COMPRESSION }),
};

interface Prepared {
  /** The file's identity on disk: a change means a rebuild, prepared again. */
  readonly version: string;
  readonly headers: Record<string, string>;
  readonly bodies: Readonly<Record<Coding, Buffer>>;
  /** One strong ETag per coding: each is a different representation (RFC 9110 §8.8.3.3). */
  readonly etags: Readonly<Record<Coding, string>>;
}

const prepared = new Map<string, Promise<Prepared>>();

async function prepare(file: string, kind: Kind, version: string): Promise<Prepared> {
  const body = await readFile(file);
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  const [br, gz] = await Promise.all([compress.br(body), compress.gzip(body)]);
  return {
    version,
    headers: HEADERS_OF[kind](body),
    bodies: { identity: body, br, gzip: gz },
    etags: { identity: `"${hash}"`, br: `"${hash}-br"`, gzip: `"${hash}-gz"` },
  };
}

/** The file prepared once per version on disk; undefined when it is not built. */
async function preparedFile(file: string, kind: Kind): Promise<Prepared | undefined> {
  let version: string;
  try {
    const info = await stat(file);
    version = `${info.size}-${info.mtimeMs}`;
  } catch {
    return undefined;
  }
  let entry = prepared.get(file);
  if (entry === undefined || (await entry.catch(() => undefined))?.version !== version) {
    entry = prepare(file, kind, version);
    prepared.set(file, entry);
    entry.catch(() => prepared.delete(file));
  }
  return entry.catch(() => undefined);
}

/** The best coding the client accepts (RFC 9110 §12.5.3): q=0 refuses one, `*` stands for the rest. */
export function chooseCoding(acceptEncoding: string | undefined): Coding {
  if (!acceptEncoding) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const weight = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    q.set(name.trim(), weight === undefined ? 1 : Number(weight));
  }
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const coding of CODINGS) {
    const weight = q.get(coding) ?? q.get('*') ?? 0;
    if (weight > bestQ) [best, bestQ] = [coding, weight];
  }
  return best;
}

/** RFC 9110 §13.1.2: If-None-Match compares weakly, `*` matches any. */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export async function serveStatic(path: string, req: IncomingMessage, res: ServerResponse, headOnly: boolean): Promise<void> {
  const entry = STATIC_FILES[path]!;
  const file = await preparedFile(join(distDir, entry.file), entry.kind);
  if (file === undefined) {
    throw new PushError('TABMUX_ERR_NOT_FOUND', `${path} is served from dist/${entry.file}, which is not built yet: run npm run build`);
  }
  const coding = chooseCoding(req.headers['accept-encoding']);
  const etag = file.etags[coding];
  const validators = {
    ETag: etag,
    // The answer depends on Accept-Encoding: a shared cache must not give gzip to a client without it.
    Vary: 'Accept-Encoding',
    // Always revalidated (a 304 when unchanged): a new build must reach the page and the hub at once.
    'Cache-Control': 'no-cache',
  };
  // RFC 9110 §15.4.5: a 304 carries the validators and cache headers the 200 would have, no body.
  if (notModified(req.headers['if-none-match'], etag)) {
    res.writeHead(304, validators);
    res.end();
    return;
  }
  const body = file.bodies[coding];
  res.writeHead(200, {
    ...file.headers,
    ...validators,
    'Content-Type': entry.type,
    'Content-Length': body.length,
    ...(coding === 'identity' ? {} : { 'Content-Encoding': coding }),
  });
  res.end(headOnly ? undefined : body);
}
