/**
 * A real HTTP server in front of a push server (its `handleRequest` and `handleUpgrade`, as when
 * mounted): records every request that reaches it, counts the upstreams open through it, and can
 * cut every open connection at once, as a network drop would. Tests read `requests` to prove that
 * nothing reached the server, `open` to prove how many upstreams the tabs hold.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { PushServer } from '../../server/index.js';
import { listenLocal } from './local-http.js';

export type UpstreamKind = 'sse' | 'ws';

export interface CountingFront {
  readonly url: string;
  /** `METHOD /path` of every request received, in order (WebSocket upgrades are not requests). */
  readonly requests: readonly string[];
  /** Upstreams open now: SSE from request to response closed, WebSocket from upgrade to socket closed. */
  readonly open: Record<UpstreamKind, number>;
  /** The most upstreams seen open together (a diagnostic: an upstream's end reaches the server late). */
  readonly peak: Record<UpstreamKind, number>;
  cutAll(): void;
  close(): Promise<void>;
}

export async function startCountingFront(push: PushServer): Promise<CountingFront> {
  const requests: string[] = [];
  const open = { sse: 0, ws: 0 };
  const peak = { sse: 0, ws: 0 };
  const opened = (kind: UpstreamKind) => (peak[kind] = Math.max(peak[kind], ++open[kind]));
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
    if (req.url?.startsWith('/sse')) {
      opened('sse');
      res.on('close', () => open.sse--);
    }
    push.handleRequest(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    opened('ws');
    socket.on('close', () => open.ws--);
    push.handleUpgrade(req, socket, head);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { url, close } = await listenLocal(server);
  return {
    url,
    requests,
    open,
    peak,
    cutAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close,
  };
}
