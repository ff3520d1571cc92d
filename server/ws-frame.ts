/**
 * WebSocket frames built once and written straight to the socket, beside `ws`. A server's frame
 * is unmasked (RFC 6455 §5.1), so a message's frame is the same bytes for every client: it is
 * built once per message (with `ws`'s own `Sender.frame`) instead of once per client by
 * `ws.send`, and the frames of one event-loop iteration go out in one socket write
 * (write-batch.ts).
 *
 * Writing beside `ws` is safe only while its sender is idle: no permessage-deflate (our server
 * never negotiates it, see ws.ts), no compression or Blob read in progress (whose sends wait in
 * its queue), no fragmented message open. Otherwise the frames go through `ws.send`, in order.
 */
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { joined, WriteBatch } from './write-batch.js';
import type { Part } from './write-batch.js';
import type { ServerContext } from './context.js';
import type { EncodedMessage } from './encode.js';

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
  readonly _sender: { readonly _state: number; readonly _firstFragment: boolean; readonly _bufferedBytes: number } | null;
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
type WsLike = {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }): void;
};

type WsSender = NonNullable<WsInternals['_sender']>;

/**
 * A WebSocket's writer (write-batch.ts): the frames of one iteration as one socket write beside
 * `ws` when that is safe, else one `ws.send` each, in order. For a connection that negotiated no
 * extension (permessage-deflate, whose frames never go beside `ws`), its socket and sender are
 * read once (fixed by the handshake) into this object's own fields, not on every write: at 10,000
 * sockets, each object a write touches is one more cache miss per socket.
 */
export class WsWriter extends WriteBatch<WsFramePart> {
  private readonly socket: Duplex | undefined;
  private readonly sender: WsSender | undefined;

  constructor(
    private readonly ws: WsLike,
    context: ServerContext,
    overflow: () => void,
  ) {
    super(context, overflow);
    const internals = ws as unknown as WsInternals;
    let extensions = false;
    for (const key in internals._extensions) if (Object.hasOwn(internals._extensions, key)) extensions = true;
    if (!extensions && internals._socket && internals._sender) {
      this.socket = internals._socket;
      this.sender = internals._sender;
    }
    this.heldAfterWrite = this.held(); // the upgrade's 101 answer, if the socket still holds it
  }

  /** A live message (feed.ts): its frame, counted as delivered. */
  deliver(message: EncodedMessage): void {
    this.send(message.ws);
    this.context.metrics.delivered++;
  }

  protected write(first: WsFramePart, rest: readonly WsFramePart[] | undefined): void {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return; // closing: nothing may follow the close frame
    const socket = this.directNow();
    if (socket) socket.write(joined(first, rest));
    else for (const part of [first, ...(rest ?? [])]) ws.send(part.payload, { binary: false });
  }

  protected held(): number {
    // `ws.bufferedAmount` (ws 8, lib/websocket.js), from the references held.
    return this.socket && this.sender ? this.socket.writableLength + this.sender._bufferedBytes : this.ws.bufferedAmount;
  }

  /**
   * The socket, when a write beside `ws` now cannot interleave with its own: the socket writable
   * (`writable` reads only its write state, where `destroyed` reads both halves') and the sender
   * idle (not compressing nor reading a Blob, nothing queued, no fragmented message open).
   */
  directNow(): Duplex | undefined {
    const { socket, sender } = this;
    if (!socket || !sender || !socket.writable) return undefined;
    // An idle sender has nothing queued (ws 8 queues only while not idle, and empties its queue
    // before it takes anything new), so `_queue` is not read: one object less per write.
    if (sender._state !== SENDER_IDLE || !sender._firstFragment) return undefined;
    return socket;
  }
}
