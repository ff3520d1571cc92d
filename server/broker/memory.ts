/**
 * The embedded broker: everything in this process's memory. One seq counter for every channel
 * (see src/protocol/event-id.ts), and a history bounded per channel and per node
 * (memory-history.ts), which reports a cursor it no longer reaches as a gap rather than silently
 * skipping what it dropped.
 *
 * A restart starts a new epoch: cursors of the previous process are then reported as gaps.
 */
import { formatEventId, newEpoch } from '../../src/protocol/event-id.js';
import type { EventId } from '../../src/protocol/event-id.js';
import type {
  Broker,
  BrokerHealth,
  BrokerOptions,
  HistoryStats,
  MessageListener,
  ReplayRequest,
  ReplayResult,
  StoredMessage,
} from './broker.js';
import { DEFAULT_HISTORY_TTL_MS } from './broker.js';
import { HistoryStore } from './memory-history.js';

/** The node budget's defaults (README, Limits and budgets explains each). */
/**
 * Idempotency keys remembered at most (README, Limits and budgets): about 27 MB with the longest
 * keys and channel names, a few MB with UUIDs; 166 keyed publishes a second for the whole default
 * window of 300 s. Past it the oldest are forgotten first: a retry of one of those may store twice.
 */
export const MAX_IDEMPOTENCY_KEYS = 50_000;

export const HISTORY_DEFAULTS = {
  maxBytes: 64 * 1024 * 1024,
  maxChannels: 10_000,
  ttlMs: DEFAULT_HISTORY_TTL_MS,
} as const;

export interface MemoryBrokerOptions extends BrokerOptions {
  /** Estimated bytes of history this node keeps over all channels (default 64 MiB). */
  readonly historyMaxBytes?: number;
  /** Channels this node keeps history for (default 10,000). */
  readonly historyMaxChannels?: number;
  /** Injected for tests; defaults to a fresh time-based epoch. */
  readonly epoch?: string;
  /** Injected for tests; defaults to Date.now. */
  readonly now?: () => number;
}

/** The embedded broker, with its history's gauges for /metrics. */
export interface MemoryBroker extends Broker {
  historyStats(): HistoryStats;
}

function limit(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

export function createMemoryBroker(options: MemoryBrokerOptions): MemoryBroker {
  const history = limit('history', options.history, 0, 0);
  const store = new HistoryStore(
    {
      perChannel: history,
      maxBytes: limit('historyMaxBytes', options.historyMaxBytes, HISTORY_DEFAULTS.maxBytes, 0),
      maxChannels: limit('historyMaxChannels', options.historyMaxChannels, HISTORY_DEFAULTS.maxChannels, 0),
      ttlMs: limit('historyTtlMs', options.historyTtlMs, HISTORY_DEFAULTS.ttlMs, 1),
    },
    options.now,
  );
  // Ageing also runs without publishes; a tenth of the TTL (at most a minute) late at worst.
  const ageing = setInterval(() => store.enforce(), Math.min(60_000, Math.max(1000, (options.historyTtlMs ?? HISTORY_DEFAULTS.ttlMs) / 10)));
  ageing.unref();
  const epoch = options.epoch ?? newEpoch();
  const listeners = new Map<string, Set<MessageListener>>();
  let seq = 0;
  let closed = false;
  /**
   * Idempotency keys (channel NUL key) → the first publish's seq and when the key expires, in
   * expiry order. Not the message: a key must not keep a value alive after the history budget
   * dropped it.
   */
  const seen = new Map<string, { seq: number; expires: number }>();
  const forgetExpired = (now: number): void => {
    if (seen.size === 0) return;
    // Entries are added with one window per publish; with mixed windows a longer one may sit
    // before a shorter one, which then waits a little longer: only memory, never correctness.
    // Past MAX_IDEMPOTENCY_KEYS the oldest go first, however long they had left.
    for (const [key, entry] of seen) {
      if (entry.expires > now && seen.size < MAX_IDEMPOTENCY_KEYS) break;
      seen.delete(key);
    }
  };
  const healthy: BrokerHealth = { ok: true };

  return {
    async publish(channel, json, idempotency) {
      if (closed) throw new Error('broker is closed');
      const now = Date.now();
      forgetExpired(now);
      const seenKey = idempotency && `${channel}\0${idempotency.key}`;
      if (seenKey !== undefined) {
        const first = seen.get(seenKey);
        if (first && first.expires > now) return { channel, id: formatEventId(epoch, first.seq), epoch, seq: first.seq, json, duplicate: true };
      }
      seq++;
      const message: StoredMessage = { channel, id: formatEventId(epoch, seq), epoch, seq, json };
      store.append(message);
      if (seenKey !== undefined) seen.set(seenKey, { seq, expires: now + idempotency!.windowMs });
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

    async replay(requests: readonly ReplayRequest[], limit?: number): Promise<ReplayResult> {
      const head: EventId = { epoch, seq };
      const messages: StoredMessage[] = [];
      const gaps: string[] = [];
      for (const { channel, after } of requests) {
        if (after === undefined) continue; // no cursor: start from now
        // Another epoch's seq says nothing about ours; a seq past our head was never ours either.
        const foreign = after.epoch !== epoch || after.seq > seq;
        const read = store.read(channel, foreign ? 0 : after.seq);
        if (foreign || read.gap) gaps.push(channel);
        // A loop, not push(...read): a spread of a long history overflows the call stack.
        for (const message of read.messages) messages.push(message);
      }
      // Each channel's run is already in seq order; seqs are unique across channels.
      messages.sort((a, b) => a.seq - b.seq);
      if (limit !== undefined && messages.length > limit) return { messages: messages.slice(0, limit), gaps, head, more: true };
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

    historyStats: () => store.stats(),

    async close() {
      closed = true;
      clearInterval(ageing);
      listeners.clear();
      seen.clear();
    },
  };
}
