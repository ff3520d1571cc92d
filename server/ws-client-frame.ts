/**
 * A client's WebSocket frame (src/protocol/wire.ts `WsClientFrame`) read into a typed value, or
 * the refusal to answer it with: what is wrong, and the `ref` and `channel` the answer may echo.
 * Pure: no socket, no credentials. What needs them (may this token subscribe? is the cursor an
 * id of ours? is `data` encodable?) is checked by the connection, after this.
 */
import type { RawData } from 'ws';
import { channelNameProblem } from '../src/protocol/channel-name.js';
import type { ErrorCode } from '../src/protocol/errors.js';
import { idempotencyKeyProblem } from './idempotency-key.js';

/** Echoed in the answer (`published`, `error`) so the client can match it to its request. */
export type Ref = string | number;

export type ClientFrame =
  /** `token` undefined: absent, empty or not a string; the connection says which answer applies. */
  | { readonly op: 'auth'; readonly token: string | undefined }
  | { readonly op: 'subscribe'; readonly channel: string; readonly lastEventId: string | undefined; readonly ref: Ref | undefined }
  | { readonly op: 'unsubscribe'; readonly channel: string; readonly ref: Ref | undefined }
  /** `data` as sent: publishing checks it like every other publish (server/publish.ts). */
  | { readonly op: 'publish'; readonly channel: string; readonly data: unknown; readonly ref: Ref | undefined; readonly idempotencyKey: string | undefined };

/** A frame refused as it stands. The socket stays open: the client gets an `op:error` frame. */
export interface BadClientFrame {
  readonly op: 'bad';
  readonly code: Extract<ErrorCode, 'TABMUX_ERR_BAD_REQUEST' | 'TABMUX_ERR_BAD_JSON' | 'TABMUX_ERR_BAD_CHANNEL' | 'TABMUX_ERR_BAD_EVENT_ID'>;
  readonly message: string;
  readonly ref?: Ref;
  /** Only a valid channel name: an answer never echoes what it refused. */
  readonly channel?: string;
}

const bad = (code: BadClientFrame['code'], message: string, ref?: Ref, channel?: string): BadClientFrame => ({
  op: 'bad',
  code,
  message,
  ...(ref !== undefined ? { ref } : {}),
  ...(channel !== undefined ? { channel } : {}),
});

/** A field of the parsed object. Own properties only: JSON.parse makes no others. */
const field = (object: object, name: string): unknown => Object.getOwnPropertyDescriptor(object, name)?.value;

/** A channel name, or why it is not one (channel-name.ts). */
type ChannelField = { readonly name: string; readonly problem?: undefined } | { readonly name?: undefined; readonly problem: string };

function readChannel(value: unknown): ChannelField {
  const problem = channelNameProblem(value);
  return problem === undefined ? { name: String(value) } : { problem };
}

export function parseClientFrame(data: RawData | string, isBinary = false): ClientFrame | BadClientFrame {
  if (isBinary) return bad('TABMUX_ERR_BAD_REQUEST', 'frames must be JSON text frames');
  let frame: unknown;
  try {
    frame = JSON.parse(data.toString());
  } catch {
    return bad('TABMUX_ERR_BAD_JSON', 'the frame is not valid JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return bad('TABMUX_ERR_BAD_JSON', 'a frame is an object with an "op"');
  }
  const op = field(frame, 'op');
  if (op === 'auth') {
    // Answered without a ref: an auth frame is not a request the client waits on.
    const token = field(frame, 'token');
    return { op, token: typeof token === 'string' && token !== '' ? token : undefined };
  }
  const rawRef = field(frame, 'ref');
  const ref = typeof rawRef === 'string' || typeof rawRef === 'number' ? rawRef : undefined;
  const channel = readChannel(field(frame, 'channel'));
  if (op !== 'subscribe' && op !== 'unsubscribe' && op !== 'publish') {
    return bad('TABMUX_ERR_BAD_REQUEST', 'op must be "auth", "subscribe", "unsubscribe" or "publish"', ref, channel.name);
  }
  if (channel.problem !== undefined) return bad('TABMUX_ERR_BAD_CHANNEL', channel.problem, ref);
  switch (op) {
    case 'subscribe': {
      const lastEventId = field(frame, 'lastEventId');
      if (lastEventId !== undefined && typeof lastEventId !== 'string') {
        return bad('TABMUX_ERR_BAD_EVENT_ID', 'lastEventId must be a string', ref, channel.name);
      }
      return { op, channel: channel.name, lastEventId, ref };
    }
    case 'unsubscribe':
      return { op, channel: channel.name, ref };
    case 'publish': {
      const key = field(frame, 'idempotencyKey');
      const problem = key === undefined ? undefined : idempotencyKeyProblem(key);
      if (problem !== undefined) return bad('TABMUX_ERR_BAD_REQUEST', problem, ref, channel.name);
      return { op, channel: channel.name, data: field(frame, 'data'), ref, idempotencyKey: key as string | undefined };
    }
  }
}
