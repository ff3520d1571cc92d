/**
 * The embedded broker: everything in this process's memory. One seq counter for every channel
 * (see src/protocol/event-id.ts), and per channel a ring buffer of the last `history` messages plus
 * the seq of the newest message it has evicted, which is how a cursor that the history no longer
 * reaches is detected (a gap) rather than silently skipped.
 *
 * A restart starts a new epoch: cursors of the previous process are then reported as gaps.
 */
import { formatEventId, newEpoch } from '../../src/protocol/event-id.js';
import type { EventId } from '../../src/protocol/event-id.js';
import type {
  Broker,
  BrokerHealth,
  BrokerOptions,
  MessageListener,
  ReplayRequest,
  ReplayResult,
  StoredMessage,
} from './broker.js';

/** A fixed-capacity ring of one channel's newest messages, oldest first. */
class ChannelHistory {
  private readonly ring: (StoredMessage | undefined)[];
  private start = 0;
  private size = 0;
  /** Seq of the newest message pushed out of the ring (0: nothing evicted yet). */
  evictedUpTo = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<StoredMessage | undefined>(capacity);
  }

  push(message: StoredMessage): void {
    if (this.capacity === 0) {
      this.evictedUpTo = message.seq;
      return;
    }
    if (this.size === this.capacity) {
      this.evictedUpTo = this.at(0).seq;
      this.ring[this.start] = message;
      this.start = (this.start + 1) % this.capacity;
      return;
    }
    this.ring[(this.start + this.size) % this.capacity] = message;
    this.size++;
  }

  /** Retained messages with seq > `after`, oldest first. Seqs increase along the ring: binary search. */
  after(after: number): StoredMessage[] {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredMessage[] = [];
    for (let i = lo; i < this.size; i++) out.push(this.at(i));
    return out;
  }

  private at(index: number): StoredMessage {
    return this.ring[(this.start + index) % this.capacity]!;
  }
}

export interface MemoryBrokerOptions extends BrokerOptions {
  /** Injected for tests; defaults to a fresh time-based epoch. */
  readonly epoch?: string;
}

export function createMemoryBroker(options: MemoryBrokerOptions): Broker {
  if (!Number.isInteger(options.history) || options.history < 0) {
    throw new RangeError('history must be an integer >= 0');
  }
  const epoch = options.epoch ?? newEpoch();
  const histories = new Map<string, ChannelHistory>();
  const listeners = new Map<string, Set<MessageListener>>();
  let seq = 0;
  let closed = false;
  /** Idempotency keys (channel NUL key) → the first message and when the key expires, in expiry order. */
  const seen = new Map<string, { message: StoredMessage; expires: number }>();
  const forgetExpired = (now: number): void => {
    // Entries are added with one window per publish; with mixed windows a longer one may sit
    // before a shorter one, which then waits a little longer: only memory, never correctness.
    for (const [key, entry] of seen) {
      if (entry.expires > now) break;
      seen.delete(key);
    }
  };
  const healthy: BrokerHealth = { ok: true };

  const historyOf = (channel: string): ChannelHistory | undefined => histories.get(channel);

  return {
    async publish(channel, json, idempotency) {
      if (closed) throw new Error('broker is closed');
      const now = Date.now();
      forgetExpired(now);
      const seenKey = idempotency && `${channel}\0${idempotency.key}`;
      if (seenKey !== undefined) {
        const first = seen.get(seenKey);
        if (first && first.expires > now) return { ...first.message, duplicate: true };
      }
      seq++;
      const message: StoredMessage = { channel, id: formatEventId(epoch, seq), epoch, seq, json };
      let history = histories.get(channel);
      if (!history) histories.set(channel, (history = new ChannelHistory(options.history)));
      history.push(message);
      if (seenKey !== undefined) seen.set(seenKey, { message, expires: now + idempotency!.windowMs });
      // Delivered synchronously, inside publish: listeners of all channels see seqs in order.
      for (const listener of listeners.get(channel) ?? []) {
        try {
          listener(message);
        } catch {
          // A listener's failure is its own; the others still get the message.
        }
      }
      return message;
    },

    async subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
    },

    unsubscribe(channel, listener) {
      const set = listeners.get(channel);
      if (!set) return;
      set.delete(listener);
      if (set.size === 0) listeners.delete(channel);
    },

    async replay(requests: readonly ReplayRequest[]): Promise<ReplayResult> {
      const head: EventId = { epoch, seq };
      const messages: StoredMessage[] = [];
      const gaps: string[] = [];
      for (const { channel, after } of requests) {
        if (after === undefined) continue; // no cursor: start from now
        const history = historyOf(channel);
        // Another epoch's seq says nothing about ours; a seq past our head was never ours either.
        const foreign = after.epoch !== epoch || after.seq > seq;
        const from = foreign ? 0 : after.seq;
        if (foreign || (history !== undefined && history.evictedUpTo > after.seq)) gaps.push(channel);
        if (history) messages.push(...history.after(from));
      }
      // Each channel's run is already in seq order; seqs are unique across channels.
      messages.sort((a, b) => a.seq - b.seq);
      return { messages, gaps, head };
    },

    async head() {
      return { epoch, seq };
    },

    health: () => healthy,

    onHealthChange() {
      // Memory never becomes unreachable: nothing to report.
      return () => {};
    },

    async close() {
      closed = true;
      listeners.clear();
      seen.clear();
    },
  };
}
