/**
 * SSE bytes written straight to the response's socket, beside node's `ServerResponse`: what
 * ws-frame.ts does for WebSocket frames. A message's event is the same bytes for every stream,
 * and so is its HTTP/1.1 chunk (`<size hex>\r\n<bytes>\r\n`, RFC 9112 §7.1): it is framed once per
 * message (or per batch alike, write-batch.ts) and written as one buffer, where `res.write` frames
 * it again for every client, as four writes under a cork undone on the next tick. At 10,000
 * subscribers that per-client work is most of what the SSE path costs beyond the kernel.
 *
 * Safe only where the bytes are exactly what `res.write` would send: a node `ServerResponse`
 * (not push.fetch's bridge, fetch-bridge.ts) on a `net.Socket` it owns, its head already on that
 * socket with nothing of it queued in the response (`writableLength` is all the socket's), the
 * socket still writable, and nothing of the body ever written through the response.
 * Chunked when node chose chunked for this response (an HTTP/1.1 client); as they are otherwise
 * (HTTP/1.0, the body ends with the connection). Anything else goes through `res.write`, in order.
 */
import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { joined, WriteBatch } from './write-batch.js';
import type { Part } from './write-batch.js';
import type { ServerContext } from './context.js';
import type { EncodedMessage } from './encode.js';

const CRLF = Buffer.from('\r\n', 'latin1');

/** Each buffer's chunk, kept while the buffer lives: a message's is framed once for all streams. */
const chunks = new WeakMap<Buffer, Buffer>();
/**
 * The last buffer chunked and its chunk: the streams of a channel are written one after another
 * with the same bytes, so most lookups are this pointer comparison rather than a WeakMap probe.
 */
let lastBytes: Buffer | undefined;
let lastChunk: Buffer | undefined;

/** `bytes` as one HTTP/1.1 chunk. */
export function chunkOf(bytes: Buffer): Buffer {
  if (bytes === lastBytes) return lastChunk!;
  let chunk = chunks.get(bytes);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
    chunks.set(bytes, chunk);
  }
  lastBytes = bytes;
  lastChunk = chunk;
  return chunk;
}

/**
 * A stream's writer (write-batch.ts): its head flushed at once, then its body's batches written
 * straight to its socket while that is safe, else through `res.write`. Once a batch has gone
 * through `res.write`, all later ones do too: bytes queued in the response must not be overtaken.
 */
export class SseWriter extends WriteBatch<Part> {
  /** The socket the body goes straight to, while it may; undefined once it may not. */
  private direct: Socket | undefined;
  private readonly chunked: boolean;

  constructor(
    private readonly res: ServerResponse,
    context: ServerContext,
    overflow: () => void,
  ) {
    super(context, overflow);
    // push.fetch's response (fetch-bridge.ts) is a stream of its own, with no socket, and no head
    // to flush: written as it is.
    if (!(res instanceof ServerResponse)) {
      this.chunked = false;
      return;
    }
    res.flushHeaders();
    // Read once: the socket and the chunking are fixed once the head is out. The head must be on
    // the socket already (nothing of the response queued), or the body would overtake it.
    const socket = res.socket;
    this.chunked = res.chunkedEncoding;
    if (socket instanceof Socket && res.writableLength === socket.writableLength) this.direct = socket;
    this.heldAfterWrite = this.held(); // the head, if the socket still holds it
  }

  /** A live message (feed.ts): its event, counted as delivered. */
  deliver(message: EncodedMessage): void {
    this.send(message.sse);
    this.context.metrics.delivered++;
  }

  protected write(first: Part, rest: readonly Part[] | undefined): void {
    const bytes = joined(first, rest);
    // An empty chunk is the chunked body's END (RFC 9112 §7.1): never framed, as res.write skips it.
    if (bytes.length === 0) return;
    const socket = this.direct;
    // `writable`: not ending, not destroyed (a write after the socket's end would only fail).
    if (socket !== undefined && socket.writable) socket.write(this.chunked ? chunkOf(bytes) : bytes);
    else if (!this.res.destroyed) {
      this.direct = undefined;
      this.res.write(bytes);
    }
  }

  protected held(): number {
    return this.direct !== undefined ? this.direct.writableLength : this.res.writableLength;
  }

  /** What the body's bytes wait in now, for pacing a replay: the socket, or the response. */
  buffer(): Socket | ServerResponse {
    return this.direct ?? this.res;
  }
}
