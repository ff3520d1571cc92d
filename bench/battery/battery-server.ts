/**
 * The push server of the battery run, in time compressed by `compression`: heartbeats every
 * 25 simulated seconds (the server default), HTTP requests counted as they arrive (WebSocket
 * upgrades included), a message published every simulated minute.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPushServer, DEFAULTS, silentLogger } from '../../server/index.js';
import type { PushServer } from '../../server/index.js';

export interface BatteryServer {
  readonly port: number;
  readonly push: PushServer;
  requests(): number;
  close(): Promise<void>;
}

export async function startBatteryServer(compression: number): Promise<BatteryServer> {
  const push = createPushServer({ logger: silentLogger, heartbeat: DEFAULTS.heartbeat / compression, closeTimeout: 200 });
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    push.handleRequest(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    requests++;
    push.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    push,
    requests: () => requests,
    async close() {
      await push.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
