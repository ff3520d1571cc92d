/**
 * Publishing: the one path shared by `POST /publish`, the WebSocket `publish` frame and
 * `push.publish()` — validate the channel, encode the value once, check its size, hand it to the
 * broker.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { channelNameProblem } from '../src/protocol/channel-name.js';
import type { PublishBatchResponse, PublishResponse } from '../src/protocol/wire.js';
import type { ServerContext } from './context.js';
import { PushError, fromBrokerError } from './errors.js';
import { checkPublish } from './auth.js';
import type { Credentials } from './auth.js';
import { clientAddress, limitKey } from './client-address.js';
import { idempotencyKeyOfHeader, idempotencyKeyProblem } from './idempotency-key.js';
import { MAX_JSON_DEPTH, jsonDepth, withinDepth } from './json-depth.js';

/** Room for `{"channel":"<200 chars>","data":}` and whitespace around a maximal value. */
export const ENVELOPE_BYTES = 1024;

/** A batch publish takes at most this many messages in one request. */
export const MAX_BATCH_MESSAGES = 1000;
/**
 * A batch's body may reach this many bytes (or one maximal message, if that is more): room for
 * a thousand messages of a couple of hundred bytes, while a body declared far larger is still
 * refused before it is read.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/** The value's JSON, checked: a valid channel name, a JSON value, within maxMessageSize. */
function encodeValue(context: ServerContext, channel: unknown, data: unknown): string {
  checkChannel(channel);
  if (data === undefined) throw new PushError('TABMUX_ERR_BAD_JSON', 'data is missing (any JSON value, null included, is fine)');
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    throw new PushError('TABMUX_ERR_BAD_JSON', 'data cannot be encoded as JSON');
  }
  if (json === undefined) throw new PushError('TABMUX_ERR_BAD_JSON', 'data is not a JSON value');
  // A UTF-16 unit is at most 3 bytes of UTF-8: most messages need no byte count at all.
  const size = json.length * 3 <= context.options.maxMessageSize ? 0 : Buffer.byteLength(json);
  if (size > context.options.maxMessageSize) {
    throw new PushError('TABMUX_ERR_TOO_LARGE', `message is ${size} bytes of JSON; the limit is ${context.options.maxMessageSize}`);
  }
  if (!withinDepth(json, MAX_JSON_DEPTH)) {
    throw new PushError('TABMUX_ERR_BAD_JSON', `data nests ${jsonDepth(json)} levels deep; the limit is ${MAX_JSON_DEPTH} (README, Limits and budgets)`);
  }
  return json;
}

async function publishJson(context: ServerContext, channel: string, json: string, idempotencyKey?: string): Promise<PublishResponse> {
  let stored;
  try {
    const idempotency = idempotencyKey === undefined ? undefined : { key: idempotencyKey, windowMs: context.options.idempotencyWindowMs };
    stored = await context.broker.publish(channel, json, idempotency);
  } catch (error) {
    // push.publish() rejects with the same PushError an HTTP publish is answered with.
    throw fromBrokerError(error);
  }
  if (!stored.duplicate) context.metrics.published++;
  return { id: stored.id };
}

function checkHealth(context: ServerContext): void {
  const health = context.broker.health();
  if (!health.ok) throw new PushError('TABMUX_ERR_UNAVAILABLE', health.reason ?? 'the broker is unavailable');
}

function checkChannel(channel: unknown): void {
  const problem = channelNameProblem(channel);
  if (problem) throw new PushError('TABMUX_ERR_BAD_CHANNEL', problem);
}

/**
 * `idempotencyKey`: within the `idempotencyWindow`, a publish with a key already seen on the
 * channel stores nothing and answers the first publish's id (the broker checks atomically).
 * Not itself async (one promise less per publish): a refusal still comes as a rejection.
 */
export function publishValue(context: ServerContext, channel: unknown, data: unknown, idempotencyKey?: string): Promise<PublishResponse> {
  let json: string;
  try {
    json = encodeValue(context, channel, data);
    checkHealth(context);
  } catch (error) {
    return Promise.reject(error);
  }
  return publishJson(context, channel as string, json, idempotencyKey);
}

/**
 * Several messages, all checked before any is published (a bad one refuses the whole batch,
 * naming its index), then handed to the broker in order, in one turn: their ids come back in the
 * same order, and subscribers get them as one write (write-batch.ts).
 */
export async function publishBatch(
  context: ServerContext,
  items: readonly unknown[],
  admit: (channel: unknown) => void,
): Promise<PublishBatchResponse> {
  if (items.length === 0) throw new PushError('TABMUX_ERR_BAD_JSON', '"messages" is empty: give at least one {"channel", "data"}');
  if (items.length > MAX_BATCH_MESSAGES) {
    throw new PushError('TABMUX_ERR_TOO_LARGE', `${items.length} messages in one batch; the limit is ${MAX_BATCH_MESSAGES}`);
  }
  const checked = items.map((item, index) => {
    try {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new PushError('TABMUX_ERR_BAD_JSON', 'each message must be an object {"channel": "...", "data": <any JSON>}');
      }
      const { channel, data } = item as { channel?: unknown; data?: unknown };
      const json = encodeValue(context, channel, data);
      admit(channel);
      return { channel: channel as string, json };
    } catch (error) {
      if (error instanceof PushError) throw new PushError(error.code, `messages[${index}]: ${error.message}`, error.headers);
      throw error;
    }
  });
  checkHealth(context);
  const results = await Promise.all(checked.map(({ channel, json }) => publishJson(context, channel, json)));
  return { ids: results.map((result) => result.id) };
}

/**
 * What a client publish must pass before the value is handed to the broker: the credentials allow
 * the channel, and a token holder is within its publish rate (per token `sub`, else per IP).
 */
export function admitPublish(context: ServerContext, credentials: Credentials, channel: unknown, ip: () => string | undefined): void {
  checkChannel(channel);
  checkPublish(context.auth, credentials, channel as string);
  // Only token holders are rate-limited: the publish key is the backends' credential, and an
  // open server (no key at all) is a development setup whose load tests must not hit 429s.
  const grant = credentials.grant;
  if (credentials.publishKey || !grant) return;
  context.publishRate.take(grant.subject !== undefined ? `sub:${grant.subject}` : `ip:${limitKey(ip())}`);
}

/** The body, parsed as JSON when it ends (one promise for reading and parsing). */
function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    // A publish body mostly arrives as one chunk: kept as it is, not copied by Buffer.concat.
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(tooLarge(limit));
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      const body = chunks ? Buffer.concat(chunks, size) : first;
      try {
        resolve(JSON.parse(body === undefined ? '' : body.toString('utf8')));
      } catch {
        reject(new PushError('TABMUX_ERR_BAD_JSON', 'the body is not valid JSON'));
      }
    });
    // The client went away mid-body: nothing to answer, nothing to log as a server fault.
    req.on('error', () => reject(new PushError('TABMUX_ERR_BAD_REQUEST', 'the request body was cut off')));
  });
}

const tooLarge = (limit: number) =>
  new PushError('TABMUX_ERR_TOO_LARGE', `request body is over ${limit} bytes (a batch's limit, or one maximal message with its envelope)`);

/**
 * The request's JSON body. Mounted behind a framework body parser (express.json(),
 * koa-bodyparser), the stream was already read: use the object it left in `req.body`, or say so,
 * instead of waiting for a body that will never come. `publishValue` still bounds `data`.
 */
function requestJson(req: IncomingMessage, limit: number): unknown {
  const preParsed = (req as IncomingMessage & { body?: unknown }).body;
  if (preParsed !== null && typeof preParsed === 'object' && !Buffer.isBuffer(preParsed)) return preParsed;
  if (req.readableEnded) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', 'the request body was already read by another middleware: mount tabmux before body parsers');
  }
  return readJsonBody(req, limit);
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === 'application/json') return true; // what nearly every client sends, checked first
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** 200 with a JSON body. The head as a flat list: Node then writes it without walking an object. */
function answerJson(res: ServerResponse, cors: Readonly<Record<string, string>>, text: string): void {
  const head: string[] = ['Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text)), 'Cache-Control', 'no-store'];
  for (const name in cors) head.push(name, cors[name]!);
  res.writeHead(200, head);
  res.end(text);
}

export async function handlePublish(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  cors: Readonly<Record<string, string>>,
  credentials: Credentials,
): Promise<void> {
  // Without any credential that could publish, refuse before reading the body.
  if (!credentials.publishKey && !credentials.grant) checkPublish(context.auth, credentials, '');
  if (!isJson(req.headers['content-type'])) {
    throw new PushError('TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON with Content-Type: application/json');
  }
  const parsed = await requestJson(req, Math.max(context.options.maxMessageSize + ENVELOPE_BYTES, MAX_BATCH_BYTES));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PushError('TABMUX_ERR_BAD_JSON', 'the body must be an object {"channel": "...", "data": <any JSON>} or {"messages": [...]}');
  }
  const ip = (): string | undefined => clientAddress(req, context.options.trustProxy);
  if ('messages' in parsed) {
    const { messages } = parsed as { messages: unknown };
    if (!Array.isArray(messages)) throw new PushError('TABMUX_ERR_BAD_JSON', '"messages" must be an array of {"channel", "data"}');
    const result = await publishBatch(context, messages, (channel) => admitPublish(context, credentials, channel, ip));
    answerJson(res, cors, JSON.stringify(result));
    return;
  }
  const { channel, data } = parsed as { channel?: unknown; data?: unknown };
  admitPublish(context, credentials, channel, ip);
  const key = idempotencyKeyOfHeader(req.headers['idempotency-key']);
  const problem = key === undefined ? undefined : idempotencyKeyProblem(key);
  if (problem !== undefined) throw new PushError('TABMUX_ERR_BAD_REQUEST', `Idempotency-Key: ${problem}`);
  const { id } = await publishValue(context, channel, data, key as string | undefined);
  // An id is an event id (src/protocol/event-id.ts): nothing in it needs escaping, but JSON.stringify says so for sure.
  answerJson(res, cors, `{"id":${JSON.stringify(id)}}`);
}
