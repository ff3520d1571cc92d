/**
 * Type tests of `tabmux/server` (README, section "Server"): the options, the returned object, and
 * that `handleRequest` / `handleUpgrade` fit node's http.Server and Express-style middleware.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { consoleLogger, createPushServer, DEFAULTS, jsonLogger, PushError, silentLogger } from 'tabmux/server';
import type { FetchInfo, LogFields, Logger, PushServer, PushServerOptions } from 'tabmux/server';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

// ── positive ──────────────────────────────────────────────────────────────────────────────────
const options: PushServerOptions = {
  port: 8080,
  host: '127.0.0.1',
  publishKey: 'secret',
  allowOrigin: ['https://app.example.com'],
  history: 1000,
  heartbeat: 25,
  maxMessageSize: 64 * 1024,
  logger: silentLogger,
};
const push: PushServer = createPushServer(options);
createPushServer();

async function lifecycle(): Promise<void> {
  const address = await push.listen(0, '127.0.0.1');
  expectType<Equal<typeof address, { port: number; host: string }>>(true);
  const { id } = await push.publish('prices', { price: 1 });
  expectType<Equal<typeof id, string>>(true);
  void [address, id];
  await push.close();
}
void lifecycle;

// Mounting on a bare http.Server and as Express/Connect-style middleware.
const server = http.createServer((req, res) => push.handleRequest(req, res, () => res.end()));
server.on('upgrade', push.handleUpgrade);
const middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void = push.handleRequest;
const upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void = push.handleUpgrade;
void [middleware, upgrade];
// The Fetch API handler: global Request/Response only (Next.js route handlers, Hono, Bun, Deno).
const fetchHandler: (request: Request) => Promise<Response> = push.fetch;
const withAddress: Promise<Response> = push.fetch(new Request('http://localhost/health'), { clientAddress: '192.0.2.1' });
const denoInfo: FetchInfo = { remoteAddr: { hostname: '192.0.2.1' } };
void [fetchHandler, withAddress, denoInfo];
const own: http.Server | undefined = push.httpServer;
void own;
const heartbeat: number = DEFAULTS.heartbeat;
void heartbeat;
if (new PushError('TABMUX_ERR_NOT_FOUND', 'x') instanceof Error) void 0;

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error port is a number
createPushServer({ port: '8080' });
// @ts-expect-error allowOrigin is a list of origins
createPushServer({ allowOrigin: 'https://app.example.com' });
// @ts-expect-error heartbeat is seconds
createPushServer({ heartbeat: true });
// @ts-expect-error unknown option (a typo must not pass silently)
createPushServer({ histroy: 10 });
// @ts-expect-error the client address is a string
void push.fetch(new Request('http://localhost/health'), { clientAddress: 1 });
// @ts-expect-error httpServer is read-only
push.httpServer = server;
// @ts-expect-error publish needs the data
void push.publish('prices');
// @ts-expect-error listen takes a port number
void push.listen('8080');
// @ts-expect-error not a server error code
new PushError('E_NOPE', 'x');

// ── logger: pino's shape, level(fields, message); console fits as it is ───────────────────────
createPushServer({ logger: console });
createPushServer({ logger: jsonLogger });
createPushServer({ logger: consoleLogger });
/** pino's LogFn, as pino declares it: an object (or a message) first. */
interface PinoLogFn {
  <T extends object>(obj: T, msg?: string, ...args: unknown[]): void;
  (obj: unknown, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}
declare const pinoLike: { info: PinoLogFn; warn: PinoLogFn; error: PinoLogFn; debug: PinoLogFn; child(bindings: object): unknown };
createPushServer({ logger: pinoLike });
const ownLogger: Logger = { info: (fields: LogFields, message: string) => void [fields, message], warn: () => undefined, error: () => undefined };
createPushServer({ logger: ownLogger });
// @ts-expect-error message first is not the shape: fields come first, as in pino
createPushServer({ logger: { info: (message: string, fields?: LogFields) => void [message, fields], warn: () => undefined, error: () => undefined } });
// @ts-expect-error a logger needs error too
createPushServer({ logger: { info: () => undefined, warn: () => undefined } });

// ── status page, trustProxy, handleUpgrade next() ─────────────────────────────────────────────
createPushServer({ status: true, trustProxy: 2, nodeId: 'eu-1' });
createPushServer({ trustProxy: true });
server.on('upgrade', (req, socket, head) => push.handleUpgrade(req, socket, head, () => socket.destroy()));
// @ts-expect-error trustProxy is true/false or a hop count
createPushServer({ trustProxy: '10.0.0.1' });
// @ts-expect-error status is a boolean
createPushServer({ status: 'on' });
