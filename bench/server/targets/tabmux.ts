/**
 * tabmux's own push server as users run it: `createPushServer` with the embedded broker and
 * history on (1,000 messages per channel, the default), publishing through `push.publish()`.
 * SSE and WebSocket clients talk to the same server.
 */
import { createPushServer, silentLogger } from '../../../server/index.js';
import { BENCH_CHANNEL } from './types.js';
import type { Target } from './types.js';

export async function startTabmux(): Promise<Target> {
  // Every load-generator connection comes from 127.0.0.1: lift the per-IP bound (default 256),
  // as a deployment behind a proxy must (server/limits.ts).
  const push = createPushServer({ logger: silentLogger, history: 1000, closeTimeout: 500, maxConnectionsPerIp: 1_000_000, connectionRate: 1_000_000, connectionBurst: 1_000_000 });
  const { port } = await push.listen(0, '127.0.0.1');
  let last: string | undefined;
  return {
    port,
    async publish(value) {
      last = (await push.publish(BENCH_CHANNEL, value)).id;
    },
    lastId: () => last,
    close: () => push.close(),
  };
}
