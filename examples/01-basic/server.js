// Example 01 — the smallest whole setup, one origin, no bundler:
//   npm run build && node examples/01-basic/server.js   → open http://127.0.0.1:3000/ in a few tabs
// The page, the client (dist/index.js as /tabmux.js) and the hub script (dist/worker.js as
// /tabmux-worker.js, "plain copy") are served next to the push server, which is mounted on the
// same http.Server. In your app: `cp node_modules/tabmux/dist/worker.js public/tabmux-worker.js`.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPushServer } from 'tabmux/server';

const PORT = Number(process.env.PORT ?? 3000);
const files = {
  '/': ['text/html', readFileSync(new URL('./index.html', import.meta.url))],
  '/tabmux.js': ['text/javascript', readFileSync(fileURLToPath(import.meta.resolve('tabmux')))],
  '/tabmux-worker.js': ['text/javascript', readFileSync(fileURLToPath(import.meta.resolve('tabmux/worker')))],
};
// The client imports its on-demand modules (dist/tabmux-*.js: the in-page hub for browsers without
// SharedWorker, the leader and service-worker hosts) from next to itself, under the same names.
const dist = new URL('.', import.meta.resolve('tabmux'));
for (const name of readdirSync(dist).filter((f) => /^tabmux-.+\.js$/.test(f))) files[`/${name}`] = ['text/javascript', readFileSync(new URL(name, dist))];

const push = createPushServer();
const server = http.createServer((req, res) => {
  // The app's own files first: tabmux also answers `/` (its demo page) when asked.
  const file = files[new URL(req.url, 'http://x').pathname];
  if (file) return res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-cache' }).end(file[1]);
  // Then tabmux's endpoints (/sse, /ws, /poll, /publish, /health, /metrics); anything else is a 404.
  push.handleRequest(req, res, () => res.writeHead(404).end('not found'));
});
server.on('upgrade', push.handleUpgrade);
server.listen(PORT, '127.0.0.1', () => console.log(`open http://127.0.0.1:${PORT}/ in a few tabs`));

let n = 0;
const timer = setInterval(() => void push.publish('ticks', { n: n++, at: new Date().toISOString() }), 1000);

process.on('SIGINT', async () => {
  clearInterval(timer);
  await push.close(); // streams get a retry: hint, WebSockets close 1012
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
