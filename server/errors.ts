/**
 * HTTP side of the error catalog (src/protocol/errors.ts): which status each code answers with,
 * and the one way errors are written, `{"error":{"code","message"}}`. Messages are written for
 * the client; a stack never reaches a response (internal errors are logged, then answered with a
 * fixed sentence). A broker's errors (broker/errors.ts) are turned into answers here too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody, ErrorCode } from '../src/protocol/errors.js';
import { BrokerError } from './broker/errors.js';

export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  TABMUX_ERR_BAD_REQUEST: 400,
  TABMUX_ERR_BAD_CHANNEL: 400,
  TABMUX_ERR_BAD_JSON: 400,
  TABMUX_ERR_BAD_EVENT_ID: 400,
  TABMUX_ERR_TOO_MANY_CHANNELS: 400,
  TABMUX_ERR_UNAUTHORIZED: 401,
  TABMUX_ERR_FORBIDDEN: 403,
  TABMUX_ERR_NOT_FOUND: 404,
  TABMUX_ERR_METHOD_NOT_ALLOWED: 405,
  TABMUX_ERR_REQUEST_TIMEOUT: 408,
  TABMUX_ERR_TOO_LARGE: 413,
  TABMUX_ERR_URL_TOO_LONG: 414,
  TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  TABMUX_ERR_RATE_LIMITED: 429,
  TABMUX_ERR_HEADERS_TOO_LARGE: 431,
  TABMUX_ERR_UNAVAILABLE: 503,
  TABMUX_ERR_NOT_SUPPORTED: 501,
  // Never HTTP answers (a `$reset` event, a close reason); listed so the table is total.
  TABMUX_ERR_HISTORY_GAP: 500,
  TABMUX_ERR_SLOW_CONSUMER: 500,
  TABMUX_ERR_INTERNAL: 500,
};

/** An expected refusal: its message is meant for the client. */
export class PushError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'PushError';
    this.status = STATUS_OF[code];
  }
}

export function errorJson(code: ErrorCode, message: string): string {
  const body: ErrorBody = { error: { code, message } };
  return JSON.stringify(body);
}

const INTERNAL_MESSAGE = 'internal server error (logged on the server)';

/**
 * A broker's error as the answer a client gets; anything else as it is. Unavailable: 503 with
 * `Retry-After`, as the server's own refusals while it cannot serve (the client comes back).
 */
export function fromBrokerError(error: unknown): unknown {
  if (!(error instanceof BrokerError)) return error;
  return new PushError(error.code, error.message, error.code === 'TABMUX_ERR_UNAVAILABLE' ? { 'Retry-After': '1' } : {});
}

/**
 * The client-safe code and message of anything thrown: a PushError as is, a broker's error as
 * `fromBrokerError` answers it, anything else as 500.
 */
export function toPushError(error: unknown): PushError {
  const answer = fromBrokerError(error);
  return answer instanceof PushError ? answer : new PushError('TABMUX_ERR_INTERNAL', INTERNAL_MESSAGE);
}

/** Answers an error on a response whose head is not sent yet; otherwise ends the response. */
export function sendError(res: ServerResponse, error: PushError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    // Too late for a status: cut the stream (an EventSource then reconnects). On the next turn,
    // so a head written from a promise continuation (corked until nextTick) still goes out first.
    setImmediate(() => res.destroy());
    return;
  }
  const body = errorJson(error.code, error.message);
  res.writeHead(error.status, {
    ...extraHeaders,
    ...error.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/**
 * A full HTTP/1.1 error response written on a raw socket, for the places Node hands us a socket
 * instead of a response: refused WebSocket upgrades and `clientError` (e.g. 431). Node's and
 * `ws`'s own answers there are plain text; ours are the same JSON as everywhere else.
 */
export function writeRawError(socket: Duplex, error: PushError, extraHeaders: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = errorJson(error.code, error.message);
  const headers = {
    ...extraHeaders,
    ...error.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n${head}\r\n${body}`);
}

/** For logs: method and path only (query strings may carry tokens). */
export function describeRequest(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0];
  return `${req.method ?? '?'} ${path}`;
}

/** RFC 9110 §15.5.15: 414 for a request target over maxUrlLength. */
export const urlTooLong = (max: number): PushError => new PushError('TABMUX_ERR_URL_TOO_LONG', `the request URL is over ${max} bytes`);
