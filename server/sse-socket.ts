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
 * socket, nothing of it queued in the response (`writableLength` is all the socket's), not ended.
 * Chunked when node chose chunked for this response (an HTTP/1.1 client); as they are otherwise
 * (HTTP/1.0, the body ends with the connection). Anything else goes through `res.write`, in order.
 */
import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

const CRLF = Buffer.from('\r\n', 'latin1');

/** Each buffer's chunk, kept while the buffer lives: a message's is framed once for all streams. */
const chunks = new WeakMap<Buffer, Buffer>();

/** `bytes` as one HTTP/1.1 chunk. */
export function chunkOf(bytes: Buffer): Buffer {
  let chunk = chunks.get(bytes);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
    chunks.set(bytes, chunk);
  }
  return chunk;
}

/** A response's body, once its head is on its socket: written straight to the socket when safe. */
export interface SseBody {
  write(bytes: Buffer): void;
  /** What the body's bytes wait in now, for pacing a replay: the socket, or the response. */
  buffer(): Socket | ServerResponse;
}

/** Flushes `res`'s head (so that body bytes can follow it on the socket) and returns its body. */
export function sseBody(res: ServerResponse): SseBody {
  // push.fetch's response (fetch-bridge.ts) is a stream of its own, with no socket: as it is.
  if (!(res instanceof ServerResponse)) {
    const stream = res as ServerResponse; // typed as node's, it is the bridge's Writable
    return { write: (bytes) => void stream.write(bytes), buffer: () => stream };
  }
  res.flushHeaders();
  return {
    write(bytes) {
      // An empty chunk is the chunked body's END (RFC 9112 §7.1): never framed, as res.write skips it.
      if (bytes.length === 0) return;
      const socket = directSocket(res);
      if (socket) socket.write(res.chunkedEncoding ? chunkOf(bytes) : bytes);
      else res.write(bytes);
    },
    buffer: () => directSocket(res) ?? res,
  };
}

/** The socket `res`'s body may be written to directly (its head flushed), or undefined. */
function directSocket(res: ServerResponse): Socket | undefined {
  if (res.writableEnded) return undefined;
  const socket = res.socket;
  if (!(socket instanceof Socket) || socket.destroyed || res.writableLength !== socket.writableLength) return undefined;
  return socket;
}
