/**
 * tabmux's own push server as users run it: the BUILT server (dist/server, `npm run build`), with
 * `createPushServer`, the embedded broker and history on (1,000 messages per channel, the
 * default), publishing through `push.publish()`. SSE and WebSocket clients talk to the same
 * server. Not the sources under tsx: those set a name on every closure they make (esbuild's
 * keepNames), which turns each one's properties into a dictionary — ~3 KiB more per idle
 * WebSocket than the build, and time on every request.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as TabmuxServer from '../../../server/index.js';
import { BENCH_CHANNEL } from './types.js';
import type { Target } from './types.js';
import { ONE_ADDRESS_LIMITS } from '../../lib/one-address.js';

const BUILT = fileURLToPath(new URL('../../../dist/server/index.js', import.meta.url));

export async function startTabmux(): Promise<Target> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
  const { createPushServer, silentLogger } = (await import(BUILT)) as typeof TabmuxServer;
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
