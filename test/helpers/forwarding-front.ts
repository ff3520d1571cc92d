/**
 * An HTTP server in front of another origin (the static server, as a CDN or a deploy would be):
 * forwards every request with `fetch` and answers `no-store`, so a test can fail a path or rewrite
 * a body on the way and the browser never keeps a copy across the change.
 */
import http from 'node:http';
import { listenLocal, type LocalServer } from './local-http.js';

export interface ForwardHooks {
  /** Answers in the front's place when it returns true (nothing is forwarded). */
  intercept?(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** The body to send instead of the forwarded one. Throws surface as the request handler's error. */
  rewrite?(req: http.IncomingMessage, body: Buffer): Buffer;
}

export async function startForwardingFront(origin: string, hooks: ForwardHooks = {}): Promise<LocalServer> {
  const server = http.createServer(async (req, res) => {
    if (hooks.intercept?.(req, res)) return;
    let answer: { status: number; type: string; body: Buffer };
    try {
      const upstream = await fetch(`${origin}${req.url}`);
      answer = { status: upstream.status, type: upstream.headers.get('content-type') ?? 'application/octet-stream', body: Buffer.from(await upstream.arrayBuffer()) };
    } catch {
      return void res.writeHead(502).end();
    }
    const body = hooks.rewrite ? hooks.rewrite(req, answer.body) : answer.body;
    res.writeHead(answer.status, { 'content-type': answer.type, 'cache-control': 'no-store' }).end(body);
  });
  return listenLocal(server);
}
