/**
 * Coalesced writes: what becomes ready for one socket in the same turn of the event loop (a
 * burst of publishes, a replay, live messages of several channels) goes out as ONE socket write,
 * since at high fan-out the kernel's cost per write, not the bytes, is what a push server pays.
 *
 * Nothing is held back: the first part a batch takes schedules a flush with `process.nextTick`,
 * which runs before the event loop moves on (after the current callback and the promise jobs it
 * queued), so a lone message is written in the turn it was published, with no timer. A batch
 * past FLUSH_AT bytes is written at once, so a large burst is not held in memory either.
 *
 * Subscribers of the same channels receive the same messages in the same order, so their batches
 * are usually the same parts: the joined Buffer of the last batch is kept for the flush and
 * handed to every socket whose batch is identical (joined once per burst, not once per socket).
 */

/** A batch this large is written without waiting for the end of the turn. */
export const FLUSH_AT = 64 * 1024;

/** One thing to write, with the bytes it puts on the wire (for the send-buffer bound). */
export interface Part {
  readonly bytes: Buffer;
}

let pending: { flush(): void }[] = [];
let scheduled = false;
let lastParts: readonly Part[] = [];
let lastJoined: Buffer | undefined;

function flushAll(): void {
  scheduled = false;
  while (pending.length > 0) {
    const batches = pending;
    pending = [];
    for (const batch of batches) batch.flush();
  }
  lastParts = [];
  lastJoined = undefined;
}

/** The parts' bytes as one Buffer; the previous batch's when it held the very same parts. */
export function joined(parts: readonly Part[]): Buffer {
  if (parts.length === 1) return parts[0]!.bytes;
  if (lastJoined && parts.length === lastParts.length && parts.every((part, i) => part === lastParts[i])) return lastJoined;
  lastParts = parts;
  lastJoined = Buffer.concat(parts.map((part) => part.bytes));
  return lastJoined;
}

/**
 * One socket's parts waiting for the end of the turn. `write` gets them all, in order, and
 * writes them (with `joined`, as one write) unless the connection has ended.
 */
export class WriteBatch<T extends Part> {
  private parts: T[] = [];
  private bytes = 0;
  private queued = false;

  constructor(private readonly write: (parts: readonly T[]) => void) {}

  /** Bytes taken and not yet written: they count against the client's send-buffer bound. */
  get pendingBytes(): number {
    return this.bytes;
  }

  push(part: T): void {
    this.parts.push(part);
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
      process.nextTick(flushAll);
    }
  }

  /** Writes what is waiting now (e.g. before a paced replay write or a close frame). */
  flush(): void {
    this.queued = false;
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    this.write(parts);
  }

  /** The connection ended: what waits is dropped. */
  discard(): void {
    this.parts = [];
    this.bytes = 0;
  }
}
