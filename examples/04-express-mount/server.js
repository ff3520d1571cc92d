// Example 04 — tabmux inside an existing Express app, under /realtime:
//   npm run build && node examples/04-express-mount/server.js   → open http://127.0.0.1:3000/
// (Express is a devDependency of this repo; in your app: npm i express.)
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createPushServer } from 'tabmux/server';

const PREFIX = '/realtime';
const push = createPushServer();
const app = express();

// 1. tabmux first: Express strips the mount path, so tabmux sees /sse, /ws, /publish…
//    It must come BEFORE any body parser: express.json() would consume POST /publish bodies.
app.use(PREFIX, (req, res, next) => push.handleRequest(req, res, next));

// 2. The app's own routes. Here a backend action that notifies every open tab.
app.post('/api/orders', express.json(), async (req, res) => {
  const { id } = await push.publish('orders', { item: String(req.body?.item ?? 'coffee'), at: Date.now() });
  res.json({ ok: true, messageId: id });
});
app.get('/tabmux.js', (_req, res) => res.sendFile(fileURLToPath(import.meta.resolve('tabmux'))));
app.get('/tabmux-worker.js', (_req, res) => res.sendFile(fileURLToPath(import.meta.resolve('tabmux/worker'))));
// The client's on-demand modules (dist/tabmux-*.js), served next to it under the same names.
const dist = fileURLToPath(new URL('.', import.meta.resolve('tabmux')));
for (const name of readdirSync(dist).filter((f) => /^tabmux-.+\.js$/.test(f))) app.get(`/${name}`, (_req, res) => res.sendFile(join(dist, name)));
app.get('/', (_req, res) => res.sendFile(fileURLToPath(new URL('./index.html', import.meta.url))));

const server = http.createServer(app);
// 3. Express does not route upgrades: the http.Server's 'upgrade' event does.
server.on('upgrade', (req, socket, head) => {
  if (req.url === `${PREFIX}/ws` || req.url.startsWith(`${PREFIX}/ws?`)) {
    req.url = req.url.slice(PREFIX.length);
    push.handleUpgrade(req, socket, head);
  } else {
    socket.destroy(); // or hand it to your other WebSocket endpoints
  }
});
const PORT = Number(process.env.PORT ?? 3000);
server.listen(PORT, '127.0.0.1', () => {
  console.log(`open http://127.0.0.1:${PORT}/ then: curl -X POST -H 'content-type: application/json' -d '{"item":"tea"}' http://127.0.0.1:${PORT}/api/orders`);
});

// 4. Graceful shutdown: tabmux lets its streams go (retry hint, WebSocket 1012), then Express stops.
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
async function shutdown() {
  await push.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
