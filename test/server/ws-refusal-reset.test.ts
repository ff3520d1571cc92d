/**
 * A WebSocket upgrade that is refused (unknown path, foreign origin, too many connections) while
 * the client resets the connection: Node hands the upgrade socket over without an 'error'
 * listener, so an ECONNRESET there would be an uncaught exception that kills the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../helpers/server.js';

const upgradeRequest = (path: string, origin = 'http://127.0.0.1') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${origin}\r\n\r\n`;

test('refused upgrades whose clients reset at once do not crash the server', async () => {
  const server = await startServer({ allowOrigin: ['http://allowed.example'], maxConnectionsPerIp: 2 });
  // node:test fails this test on an uncaught exception raised while it runs.
  try {
    const cases = [upgradeRequest('/nope'), upgradeRequest('/ws', 'http://evil.example'), upgradeRequest('/ws', 'http://allowed.example')];
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        cases.map(
          (request) =>
            new Promise<void>((resolve) => {
              const socket = net.connect(server.port, '127.0.0.1', () => {
                socket.write(request);
                // Reset as soon as the server starts answering (or at once on odd rounds).
                if (round % 2) socket.resetAndDestroy();
                else socket.once('data', () => socket.resetAndDestroy());
              });
              socket.on('error', () => undefined);
              socket.on('close', () => resolve());
            }),
        ),
      );
    }
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200, 'the server still answers');
  } finally {
    await server.close();
  }
});
