// Example 06 — SharedEventSource against a third-party style SSE endpoint (NOT a tabmux server):
//   npm run build && node examples/06-shared-event-source/server.js   → open http://127.0.0.1:3000/ in 10 tabs
// /events is a plain node:http route that speaks text/event-stream with ids and Last-Event-ID,
// like any existing SSE API. /stats shows how many upstream connections it holds: 1, for all tabs.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const files = {
  '/': ['text/html', readFileSync(new URL('./index.html', import.meta.url))],
  '/tabmux.js': ['text/javascript', readFileSync(fileURLToPath(import.meta.resolve('tabmux')))],
  '/tabmux-worker.js': ['text/javascript', readFileSync(fileURLToPath(import.meta.resolve('tabmux/worker')))],
};
// The client imports its on-demand modules (dist/tabmux-*.js: the in-page hub for browsers without
// SharedWorker, the leader and service-worker hosts) from next to itself, under the same names.
const dist = new URL('.', import.meta.resolve('tabmux'));
for (const name of readdirSync(dist).filter((f) => /^tabmux-.+\.js$/.test(f))) files[`/${name}`] = ['text/javascript', readFileSync(new URL(name, dist))];
const streams = new Set();
let seq = 0;

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // WHATWG HTML §9.2: a reconnecting EventSource sends the last id it saw.
    const last = Number(req.headers['last-event-id']);
    res.write(`retry: 2000\n: resumed after ${Number.isFinite(last) ? last : 'nothing'}\n\n`);
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return;
  }
  if (path === '/stats') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstreams: streams.size }));
  const file = files[path];
  if (!file) return res.writeHead(404).end('not found');
  res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-cache' }).end(file[1]);
});
const PORT = Number(process.env.PORT ?? 3000);
server.listen(PORT, '127.0.0.1', () => console.log(`open http://127.0.0.1:${PORT}/ in several tabs`));

setInterval(() => {
  seq++;
  const frame = `id: ${seq}\nevent: tick\ndata: ${JSON.stringify({ seq, at: Date.now() })}\n\n`;
  for (const res of streams) res.write(frame);
}, 1000);
