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

/** A batch this large is written without waiting for the check phase. */
export const FLUSH_AT = 64 * 1024;

/** One thing to write, with the bytes it puts on the wire (for the send-buffer bound). */
export interface Part {
  readonly bytes: Buffer;
}

/**
 * The batches waiting for the flush. Two arrays swapped and emptied in place, not a new array per
 * iteration: at 10,000 subscribers and one message per iteration, that array was 10,000 slots of
 * garbage per message.
 */
let pending: { flush(): void }[] = [];
let flushing: { flush(): void }[] = [];
let scheduled = false;
let lastFirst: Part | undefined;
let lastRest: readonly Part[] = [];
let lastJoined: Buffer | undefined;

function flushAll(): void {
  scheduled = false;
  while (pending.length > 0) {
    const batches = pending;
    pending = flushing;
    flushing = batches;
    for (let i = 0; i < batches.length; i++) batches[i]!.flush();
    batches.length = 0;
  }
  lastFirst = undefined;
  lastRest = [];
  lastJoined = undefined;
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
 * One socket's parts waiting for the check phase. `write` gets them all, in order — the
 * first, and the others (undefined when there is one: a lone message, the common case at one
 * message per iteration, allocates no array) — and writes them (with `joined`, as one write) unless
 * the connection has ended.
 */
export class WriteBatch<T extends Part> {
  private first: T | undefined;
  private rest: T[] | undefined;
  private bytes = 0;
  private queued = false;

  constructor(private readonly write: (first: T, rest: readonly T[] | undefined) => void) {}

  /** Bytes taken and not yet written: they count against the client's send-buffer bound. */
  get pendingBytes(): number {
    return this.bytes;
  }

  push(part: T): void {
    if (this.first === undefined) this.first = part;
    else (this.rest ??= []).push(part);
    this.bytes += part.bytes.length;
    if (this.bytes >= FLUSH_AT) {
      this.flush();
      return;
    }
    if (this.queued) return;
    this.queued = true;
    pending.push(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushAll);
    }
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
    this.write(first, rest);
  }

  /** The connection ended: what waits is dropped. */
  discard(): void {
    this.first = undefined;
    this.rest = undefined;
    this.bytes = 0;
  }
}
