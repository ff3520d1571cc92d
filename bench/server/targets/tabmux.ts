/**
 * tabmux's own push server as users run it: the built server (bench/lib/built-server.ts), with
 * `createPushServer`, the embedded broker and history on (1,000 messages per channel, the
 * default), publishing through `push.publish()`. SSE and WebSocket clients talk to the same
 * server.
 */
import { importBuiltServer } from '../../lib/built-server.js';
import { BENCH_CHANNEL } from './types.js';
import type { Target } from './types.js';
import { ONE_ADDRESS_LIMITS } from '../../lib/one-address.js';

export async function startTabmux(): Promise<Target> {
  const { createPushServer, silentLogger } = await importBuiltServer();
  // Every load-generator connection comes from 127.0.0.1: lift the per-IP bound (default 256),
  // as a deployment behind a proxy must (server/limits.ts).
  const push = createPushServer({ logger: silentLogger, history: 1000, closeTimeout: 500, ...ONE_ADDRESS_LIMITS });
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
