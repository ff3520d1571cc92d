/**
 * Coalesced writes: what becomes ready for one socket in the same iteration of the event loop
 * (a burst of publishes, several `POST /publish` or Redis reads handled in one poll phase, a
 * replay, live messages of several channels) goes out as ONE socket write, since at high fan-out
 * the kernel's cost per write, not the bytes, is what a push server pays.
 *
 * Nothing is held back: the first part a batch takes schedules a flush with `setImmediate`, which
 * runs in the check phase of the same iteration, right after the I/O callbacks of its poll phase
 * and before any timer. So a message published from a request, a socket read or a timer is
 * written in the iteration it was published, with no timer; the event loop does not block in
 * between (an immediate pending makes the poll phase return at once). `process.nextTick` would
 * write sooner but only coalesce within one callback: two POSTs that arrive together are two
 * callbacks, and their messages would be two writes per socket. A batch past FLUSH_AT bytes is
 * written at once, so a large burst is not held in memory either.
 *
 * Subscribers of the same channels receive the same messages in the same order, so their batches
 * are usually the same parts: the joined Buffer of the last batch is kept for the flush and
 * handed to every socket whose batch is identical (joined once per burst, not once per socket).
 */

import type { ServerContext } from './context.js';
import { overBufferBound } from './context.js';

/** A batch this large is written without waiting for the check phase. */
export const FLUSH_AT = 64 * 1024;

/** One thing to write, with the bytes it puts on the wire (for the send-buffer bound). */
export interface Part {
  readonly bytes: Buffer;
}

/**
 * The batches waiting for the flush, in `pending[0..count)`. Two arrays swapped and reused, each
 * slot cleared as it is flushed, never emptied by `length = 0` (which gives V8's backing store
 * back): at 10,000 subscribers and one message per iteration, regrowing it was 10,000 slots of
 * garbage per message.
 */
let pending: ({ flush(): void } | undefined)[] = [];
let pendingCount = 0;
let flushing: ({ flush(): void } | undefined)[] = [];
let scheduled = false;
let lastFirst: Part | undefined;
let lastRest: readonly Part[] = [];
let lastJoined: Buffer | undefined;

function flushAll(): void {
  scheduled = false;
  // A flush may queue more (a write that ends a connection, a sink that sends): loop until none.
  while (pendingCount > 0) {
    const batches = pending;
    const count = pendingCount;
    pending = flushing;
    pendingCount = 0;
    flushing = batches;
    for (let i = 0; i < count; i++) {
      const batch = batches[i]!;
      batches[i] = undefined;
      try {
        batch.flush();
      } catch (error) {
        // Not expected (a transport's write does not throw), but if one did, the connections
        // after it must not stall with `queued` set: they go out in the next round.
        for (let k = i + 1; k < count; k++) {
          enqueue(batches[k]!);
          batches[k] = undefined;
        }
        throw error;
      }
    }
  }
  lastFirst = undefined;
  lastRest = [];
  lastJoined = undefined;
}

function enqueue(batch: { flush(): void }): void {
  pending[pendingCount++] = batch;
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

/**
 * A batch's bytes as one Buffer: a lone part's own, else the parts joined — the previous batch's
 * join when it held the very same parts.
 */
export function joined(first: Part, rest: readonly Part[] | undefined): Buffer {
  if (rest === undefined) return first.bytes;
  if (lastJoined && first === lastFirst && rest.length === lastRest.length && rest.every((part, i) => part === lastRest[i])) return lastJoined;
  lastFirst = first;
  lastRest = rest;
  lastJoined = Buffer.concat([first.bytes, ...rest.map((part) => part.bytes)]);
  return lastJoined;
}

/**
 * One connection's writer: the parts waiting for the check phase, and the transport's `write`,
 * which gets them all, in order — the first, and the others (undefined when there is one: a lone
 * message, the common case at one message per iteration, allocates no array) — and writes them
 * (with `joined`, as one write). A subclass, not a callback: its state (the socket, whether it
 * ended) is in this one object, and at 10,000 connections each object a write touches is one more
 * cache miss per connection.
 */
export abstract class WriteBatch<T extends Part> {
  private first: T | undefined;
  private rest: T[] | undefined;
  private bytes = 0;
  private queued = false;
  /** True once the connection ended: nothing is taken or written any more. */
  protected ended = false;
  /**
   * What the connection's own buffers held right after our last write (or when the writer was
   * made: a subclass reads it then). Until the next write they only drain, save a transport's own
   * few control bytes (a WebSocket ping or `ws`'s automatic pongs, at most ~60 of them before
   * `ws` cuts the peer), so this plus `pendingBytes` bounds what the connection holds without
   * reading its socket on each part; the next write's figure corrects it.
   */
  protected heldAfterWrite = 0;

  /**
   * `overflow`: the client stopped reading (the bound of `context.options.maxBufferedBytes` is
   * passed): the transport cuts it, or its queue would grow without bound.
   */
  constructor(
    protected readonly context: ServerContext,
    private readonly overflow: () => void,
  ) {}

  /** Writes a batch (one part, or `first` then `rest`); called only while not ended. */
  protected abstract write(first: T, rest: readonly T[] | undefined): void;

  /** What the connection's own buffers (socket, response, `ws`) hold now. */
  protected abstract held(): number;

  /** Bytes taken and not yet written: they count against the client's send-buffer bound. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /**
   * What the connection holds, waiting here and in its buffers, for the send-buffer bound: an
   * upper bound from the last write while it stays under `limit`, else read afresh (exact).
   */
  private heldBytes(limit: number): number {
    const estimate = this.heldAfterWrite + this.bytes;
    if (estimate <= limit) return estimate;
    this.heldAfterWrite = this.held();
    return this.heldAfterWrite + this.bytes;
  }

  /**
   * Takes a part (`push`), then holds the connection to the send-buffer bound: past it, `overflow`.
   * The exact figure is read only when the estimate passes the peak seen so far (the metric) or
   * the bound, so that the peak stays exact and the bound is never passed unseen.
   */
  send(part: T): void {
    if (!this.push(part)) return;
    const { context } = this;
    const limit = Math.min(context.metrics.sendBufferPeakBytes, context.options.maxBufferedBytes);
    if (overBufferBound(context, this.heldBytes(limit))) this.overflow();
  }

  /** Takes a part to write in this iteration's flush; false (not taken) once the connection ended. */
  push(part: T): boolean {
    if (this.ended) return false;
    if (this.first === undefined) this.first = part;
    else (this.rest ??= []).push(part);
    this.bytes += part.bytes.length;
    if (this.bytes >= FLUSH_AT) this.flush();
    else if (!this.queued) {
      this.queued = true;
      enqueue(this);
    }
    return true;
  }

  /** Writes what is waiting now (e.g. before a paced replay write or a close frame). */
  flush(): void {
    this.queued = false;
    const first = this.first;
    if (first === undefined) return;
    const rest = this.rest;
    this.first = undefined;
    this.rest = undefined;
    this.bytes = 0;
    if (this.ended) return;
    this.write(first, rest);
    this.heldAfterWrite = this.held();
  }

  /** The connection ended: what waits is dropped and nothing more is written. */
  end(): void {
    this.ended = true;
    this.first = undefined;
    this.rest = undefined;
    this.bytes = 0;
  }
}
