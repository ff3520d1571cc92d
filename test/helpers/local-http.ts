/**
 * The plumbing every test HTTP server shares: listening on 127.0.0.1 port 0, and a close that
 * does not wait for keep-alive connections or open streams (a browser keeps both) to end.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

export interface LocalServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listenLocal(server: http.Server): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/**
 * Answers with `body` (default: the file read from disk) typed by the file's extension, or 404
 * when it cannot be read. `no-store`: a worker started after a rebuild or a swap fetches afresh.
 */
export async function sendFile(res: http.ServerResponse, file: string, body?: () => Promise<Buffer>): Promise<void> {
  try {
    const bytes = await (body ?? (() => readFile(file)))();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(bytes);
  } catch {
    res.writeHead(404, { 'cache-control': 'no-store' }).end();
  }
}
