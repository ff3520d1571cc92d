// Example 03 — chat, publishing from the tabs:
//   npm run build && node examples/03-chat/server.js   → open http://127.0.0.1:3000/ in a few tabs
// The server is open (no publish key, no JWT key), so any tab may publish: fine on localhost. In
// production set `jwtSecret` and give each tab a token whose claim allows it, e.g.
// {"tabmux":{"subscribe":["chat:*"],"publish":["chat:lobby"]}}, via connect({ token }).
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

const push = createPushServer({ history: 200, maxMessageSize: 2048 });
const server = http.createServer((req, res) => {
  // The app's own files first: tabmux also answers `/` (its demo page) when asked.
  const file = files[new URL(req.url, 'http://x').pathname];
  if (file) return res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-cache' }).end(file[1]);
  // Then tabmux's endpoints (/sse, /ws, /poll, /publish, /health, /metrics); anything else is a 404.
  push.handleRequest(req, res, () => res.writeHead(404).end('not found'));
});
server.on('upgrade', push.handleUpgrade);
server.listen(PORT, '127.0.0.1', () => console.log(`open http://127.0.0.1:${PORT}/ in a few tabs`));

process.on('SIGINT', async () => {
  await push.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
