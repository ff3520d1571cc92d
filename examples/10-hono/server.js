// Example 10 — tabmux in a Hono app (app.js), on Node:
//   npm run build && node examples/10-hono/server.js   → open http://127.0.0.1:3000/
import { createPushServer } from 'tabmux/server';
import { PREFIX, start } from './app.js';

const push = createPushServer({ basePath: PREFIX });
const { server, url } = await start(push, { port: Number(process.env.PORT ?? 3000) });
console.log(`open ${url}/ then: curl -X POST -H 'content-type: application/json' -d '{"item":"tea"}' ${url}/api/orders`);

// 4. Graceful shutdown: tabmux lets its streams go (retry hint, WebSocket 1012), then the server stops.
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
async function shutdown() {
  await push.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
