/**
 * A push server mounted on an app's own `http.Server` (its `handleRequest` and `handleUpgrade`),
 * as the README shows, on 127.0.0.1 port 0: what the push server does not answer goes to the app.
 */
import http from 'node:http';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer, PushServerOptions } from '../../server/index.js';
import { listenLocal } from './local-http.js';

export interface MountedServer {
  readonly push: PushServer;
  /** The app's base URL (no trailing slash). */
  readonly url: string;
  /** Closes the push server (a no-op when a test closed it already), then the app. */
  close(): Promise<void>;
}

/** `app` answers every request the push server passes on (`next()`); without it, `next()` is not given. */
export async function mountPushServer(options: PushServerOptions = {}, app?: (res: http.ServerResponse) => void): Promise<MountedServer> {
  const push = createPushServer({ logger: silentLogger, ...options });
  const server = http.createServer((req, res) => push.handleRequest(req, res, app && (() => app(res))));
  server.on('upgrade', push.handleUpgrade);
  const listening = await listenLocal(server);
  return {
    push,
    url: listening.url,
    async close() {
      await push.close();
      await listening.close();
    },
  };
}
