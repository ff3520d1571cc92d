/**
 * WebSocket frames built once and written straight to the socket, beside `ws`. A server's frame
 * is unmasked (RFC 6455 §5.1), so a message's frame is the same bytes for every client: it is
 * built once per message (with `ws`'s own `Sender.frame`) instead of once per client by
 * `ws.send`, and the frames of one event-loop iteration go out in one socket write
 * (write-batch.ts).
 *
 * Writing beside `ws` is safe only while its sender is idle: no permessage-deflate (our server
 * never negotiates it, see ws.ts), nothing queued in the sender (a compression or Blob read in
 * progress), no fragmented message open. Otherwise the frames go through `ws.send`, in order.
 */
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import type { Part } from './write-batch.js';

/** A text frame: its wire bytes, and the payload for `ws.send` when the socket is not ours to write. */
export interface WsFramePart extends Part {
  readonly payload: Buffer;
}

interface FrameOptions {
  readonly fin: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
  readonly rsv1: boolean;
}

/** `ws`'s Sender, exported by the package but absent from @types/ws. */
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender;

/** `ws` internals read to decide whether a direct write is safe (ws 8, lib/sender.js). */
interface WsInternals {
  readonly _socket: Duplex | null;
  readonly _extensions: Record<string, unknown>;
  readonly _sender: { readonly _state: number; readonly _queue: readonly unknown[]; readonly _firstFragment: boolean } | null;
}

const TEXT = 0x1;
/** Sender's `_state` when it is not compressing nor reading a Blob. */
const SENDER_IDLE = 0;

export function textFrame(payload: Buffer): WsFramePart {
  const [header, data] = Sender.frame(payload, { fin: true, opcode: TEXT, mask: false, readOnly: false, rsv1: false });
  return { bytes: data ? Buffer.concat([header!, data]) : header!, payload };
}

/** `ws` typed by shape, not as ws's WebSocket: this module's declarations are reachable from
 * `tabmux/server`'s, which must compile without @types/ws (test/package/pack-install.test.ts). */
type WsLike = { readonly readyState: number; readonly OPEN: number };

/**
 * Whether the connection negotiated an extension (permessage-deflate): its frames are then
 * never written beside `ws`. Fixed by the handshake, so asked once per connection, not per
 * write (at 10,000 sockets, one more object read per write is one more cache miss).
 */
export function hasExtensions(ws: WsLike): boolean {
  const extensions = (ws as unknown as WsInternals)._extensions;
  for (const key in extensions) if (Object.hasOwn(extensions, key)) return true;
  return false;
}

/**
 * The socket `ws` writes to, when writing frames beside it cannot interleave with its own; for a
 * connection without extensions (hasExtensions, asked once by the caller).
 */
export function rawSocket(ws: WsLike): Duplex | undefined {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  const sender = internals._sender;
  if (ws.readyState !== ws.OPEN || !socket || !sender || socket.destroyed) return undefined;
  if (sender._state !== SENDER_IDLE || sender._queue.length > 0 || !sender._firstFragment) return undefined;
  return socket;
}
