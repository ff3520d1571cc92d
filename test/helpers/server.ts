/**
 * Starts a push server in-process on 127.0.0.1, port 0, for tests. Quiet by default (pass
 * `logger` to see its logs). Always `await close()` (e.g. in `t.after`).
 */
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer, PushServerOptions } from '../../server/index.js';

export interface StartedServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly server: PushServer;
  close(): Promise<void>;
}

export async function startServer(options: PushServerOptions = {}): Promise<StartedServer> {
  const server = createPushServer({ logger: silentLogger, closeTimeout: 2000, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, port, server, close: () => server.close() };
}
