/**
 * A plain `node:http` SSE server that is NOT tabmux's: it streams the fixtures of
 * test/fixtures/sse-streams.ts byte for byte, records every request's `Last-Event-ID` (as raw
 * bytes), and serves a test page plus the built client and hub on the same origin.
 *
 * Per (fixture, client kind, run): the first request streams the fixture, later ones (the
 * EventSource reconnecting) are recorded and answered 204, which makes an EventSource fail for
 * good — so every run ends in readyState CLOSED. Requests of kind `shared` are held until the
 * test calls `/go?run=…`, once every tab has attached its source.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SSE_FIXTURES, type SseFixture } from '../fixtures/sse-streams.js';

const CHUNK_PAUSE_MS = 15; // lets each chunk reach the client as its own read
/** A module the client imports on demand from next to itself (dist/tabmux-<name>.js, rollup.config.js). */
const LAZY_MODULE = /^\/tabmux-[\w-]+\.js$/;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RecordedRequest {
  readonly fixture: string;
  readonly client: string;
  /** `Last-Event-ID` header bytes as hex (null when absent). */
  readonly lastEventIdHex: string | null;
  readonly cookie?: string | undefined;
  readonly method?: string | undefined;
  /** The `run` of the request's query, for a fixture request. */
  readonly run?: string | undefined;
}

export interface FixtureServer {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Streams that the server may be asked to cut (`/live` streams). */
  cutLive(): void;
  /**
   * Sends one event to every `/live` stream. An event with an `id:` is also kept, and a `/live`
   * request that resumes with `Last-Event-ID` first gets every kept event after that id — as a
   * server with history would.
   */
  sendLive(text: string): void;
  liveRequests(): RecordedRequest[];
  /** `/live` streams open now. */
  openLive(): number;
  /** Paths of the scripts requested so far (client module, hub, modules loaded on demand), in order. */
  readonly scripts: string[];
  /** Script paths answered 404 (e.g. `/tabmux-event-source.js`). */
  readonly missing: Set<string>;
  /** Holds the answer to every request for the script at `path` until the returned function is called. */
  holdScript(path: string): () => void;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>SharedEventSource oracle</title>
<script type="module">
import { SharedEventSource } from '/tabmux.js';
window.SharedEventSource = SharedEventSource;
window.sources = new Map();
window.startSource = (key, kind, url, listen, init) => {
  const es = kind === 'native' ? new EventSource(url, init) : new SharedEventSource(url, init);
  const log = [];
  let resolve;
  const done = new Promise((r) => (resolve = r));
  const record = (event) => {
    const entry = { type: event.type, readyState: es.readyState };
    if (event instanceof MessageEvent) Object.assign(entry, { data: event.data, lastEventId: event.lastEventId, origin: event.origin });
    log.push(entry);
    if (event.type === 'error' && es.readyState === 2) resolve(log);
  };
  for (const type of new Set(['open', 'message', 'error', ...listen])) es.addEventListener(type, record);
  window.sources.set(key, { es, log, done });
};
window.waitOpen = (key) => new Promise((resolve) => {
  const { es } = window.sources.get(key);
  if (es.readyState === 1) return resolve(true);
  es.addEventListener('open', () => resolve(true), { once: true });
});
window.finish = (key, ms) => Promise.race([window.sources.get(key).done, new Promise((r) => setTimeout(() => r(null), ms))]);
window.logOf = (key) => window.sources.get(key).log;
window.closeSource = (key) => window.sources.get(key).es.close();
</script>`;

export async function startFixtureServer(distDir = process.env.TABMUX_DIST ?? path.join(repoRoot, 'dist')): Promise<FixtureServer> {
  const requests: RecordedRequest[] = [];
  const scripts: string[] = [];
  const missing = new Set<string>();
  const held = new Map<string, Promise<void>>();
  const counts = new Map<string, number>();
  const released = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  const live = new Set<http.ServerResponse>();
  const liveLog: { id: string; text: string }[] = [];
  const byName = new Map(SSE_FIXTURES.map((f) => [f.name, f]));

  const waitForGo = (run: string) =>
    released.has(run) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(run, [...(waiting.get(run) ?? []), resolve]));

  async function streamFixture(fixture: SseFixture, res: http.ServerResponse): Promise<void> {
    res.writeHead(fixture.status ?? 200, {
      'Content-Type': fixture.contentType ?? 'text/event-stream',
      'Cache-Control': 'no-store',
    });
    res.socket?.setNoDelay(true);
    res.flushHeaders();
    const chunks = fixture.noRetryPrefix ? fixture.chunks : ['retry: 100\n', ...fixture.chunks];
    for (const chunk of chunks) {
      if (res.destroyed) return;
      res.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      await new Promise((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS));
    }
    res.end();
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const run = url.searchParams.get('run') ?? '';
    const client = url.searchParams.get('client') ?? '';
    const raw = req.headers['last-event-id'];
    // Node decodes header bytes as Latin-1: each char is one byte, so this recovers the bytes.
    const lastEventIdHex = raw === undefined ? null : Buffer.from(String(raw), 'latin1').toString('hex');
    // `cors=1`: answer as a cross-origin SSE server that allows the requesting origin with
    // credentials, including the preflight a fetch-based reader's Last-Event-ID triggers.
    if (url.searchParams.get('cors') === '1' && req.headers.origin) {
      res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        requests.push({ fixture: 'preflight', client, lastEventIdHex: null, method: 'OPTIONS' });
        res.writeHead(204, { 'Access-Control-Allow-Headers': 'last-event-id', 'Access-Control-Allow-Methods': 'GET' }).end();
        return;
      }
    }
    try {
      if (url.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
      } else if (url.pathname === '/tabmux.js' || url.pathname === '/tabmux-worker.js' || LAZY_MODULE.test(url.pathname)) {
        // The client module, the hub, and the modules the client imports on demand from next to
        // itself (dist/tabmux-event-source.js: SharedEventSource's engine). A path in `missing`
        // answers 404, as a deployment that did not copy that file would.
        const file = url.pathname === '/tabmux.js' ? 'index.js' : url.pathname === '/tabmux-worker.js' ? 'worker.js' : url.pathname.slice(1);
        scripts.push(url.pathname);
        await held.get(url.pathname);
        if (missing.has(url.pathname)) return void res.writeHead(404).end();
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(await readFile(path.join(distDir, file)));
      } else if (url.pathname === '/go') {
        released.add(run);
        for (const resolve of waiting.get(run) ?? []) resolve();
        waiting.delete(run);
        res.writeHead(204).end();
      } else if (url.pathname === '/ping') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('retry: 100\n\n');
      } else if (url.pathname === '/live') {
        requests.push({ fixture: 'live', client, lastEventIdHex, cookie: req.headers.cookie });
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('retry: 50\n\n');
        if (raw !== undefined) {
          const resumeFrom = Buffer.from(String(raw), 'latin1').toString('utf8');
          const index = liveLog.findIndex((entry) => entry.id === resumeFrom);
          for (const entry of liveLog.slice(index + 1)) res.write(entry.text);
        }
        live.add(res);
        res.on('close', () => live.delete(res));
      } else if (url.pathname.startsWith('/fixture/')) {
        const name = decodeURIComponent(url.pathname.slice('/fixture/'.length));
        const fixture = byName.get(name);
        if (!fixture) return void res.writeHead(404).end();
        requests.push({ fixture: name, client, lastEventIdHex, run });
        const key = `${name}|${client}|${run}`;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        if (count > 1) return void res.writeHead(204).end();
        if (client === 'shared') await waitForGo(run);
        if (fixture.redirectTo) {
          return void res.writeHead(307, { Location: `/fixture/${fixture.redirectTo}?${url.searchParams}` }).end();
        }
        await streamFixture(fixture, res);
      } else {
        res.writeHead(404).end();
      }
    } catch {
      res.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    cutLive() {
      for (const res of live) res.destroy();
    },
    sendLive(text) {
      const id = /^id: ?(.*)$/m.exec(text)?.[1];
      if (id !== undefined) liveLog.push({ id, text });
      for (const res of live) res.write(text);
    },
    liveRequests: () => requests.filter((r) => r.fixture === 'live'),
    openLive: () => live.size,
    scripts,
    missing,
    holdScript(script) {
      let release!: () => void;
      held.set(script, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        held.delete(script);
        release();
      };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
