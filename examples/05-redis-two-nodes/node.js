// Example 05 — two push-server nodes sharing one Redis: publish on one, receive on the other,
// resume on either with the same id.
//   redis-server --port 6379 &
//   npm run build
//   PORT=8081 node examples/05-redis-two-nodes/node.js &
//   PORT=8082 node examples/05-redis-two-nodes/node.js &
//   curl -N 'http://127.0.0.1:8082/sse?channel=news' &           # subscribe on node B
//   curl -d '{"channel":"news","data":"hello"}' -H 'content-type: application/json' http://127.0.0.1:8081/publish
// Put both behind one load balancer origin for the browser (any node can serve any client).
// Uses the server's `redis` option (README.md, "Scaling out over Redis").
import { createPushServer } from 'tabmux/server';

const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const push = createPushServer({ redis, history: 1000 });
const { port } = await push.listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
console.log(`node on http://127.0.0.1:${port}/ (Redis ${redis}); /health says whether Redis answers`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await push.close();
    process.exit(0);
  });
}
