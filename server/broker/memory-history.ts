/**
 * The embedded broker's history, bounded per channel AND per node (README, Limits and budgets).
 *
 * Per channel: the newest `perChannel` messages, in an array that grows with what it holds (a
 * channel published once costs one message, not a ring pre-sized for `history`).
 *
 * Per node: at most `maxChannels` channels with history and `maxBytes` of estimated memory; past
 * either, the history of the least recently published channel is dropped first. A channel with no
 * publish for `ttlMs` is dropped too. The Map's insertion order IS the recency order: a publish
 * re-inserts its channel at the end, so the oldest is always the first key.
 *
 * Nothing is lost silently: `droppedUpTo` is the highest seq ever dropped from any channel. A
 * cursor below it, on a channel whose history does not reach it, is reported as a gap. For a
 * dropped (or later recreated) channel this is conservative — it may report a gap where the
 * dropped history held nothing for that channel — which costs the client a refetch, never a loss.
 */
import type { HistoryStats, StoredMessage } from './broker.js';

/**
 * Estimated bytes of one retained message besides its text: the StoredMessage object, its id
 * string, the array slot and string headers (V8, 64-bit). An estimate that errs high keeps the
 * budget a bound on real memory.
 */
export const MESSAGE_OVERHEAD_BYTES = 160;
/** Estimated bytes of one channel's entry besides its name: the Map entry, the history object and its array. */
export const CHANNEL_OVERHEAD_BYTES = 240;
/** Compact a channel's array once this many dropped slots lead it (amortised O(1) per message). */
const COMPACT_AFTER = 64;

export type EvictionReason = keyof HistoryStats['evicted'];

export interface HistoryLimits {
  /** Messages kept per channel. */
  readonly perChannel: number;
  readonly maxBytes: number;
  readonly maxChannels: number;
  /** A channel's history is dropped after this long without a publish. */
  readonly ttlMs: number;
}

function messageBytes(message: StoredMessage): number {
  // V8 stores Latin-1 text one byte per character, anything else two: count two to stay a bound.
  return MESSAGE_OVERHEAD_BYTES + 2 * (message.json.length + message.channel.length);
}

class ChannelHistory {
  /** Retained messages are messages[start..]; seqs increase along it. */
  private messages: StoredMessage[] = [];
  private start = 0;
  /** Seq of the newest message this channel dropped (0: none). */
  evictedUpTo: number;
  bytes: number;
  lastPublishAt = 0;

  constructor(channel: string, evictedUpTo: number) {
    this.evictedUpTo = evictedUpTo;
    this.bytes = CHANNEL_OVERHEAD_BYTES + 2 * channel.length;
  }

  get size(): number {
    return this.messages.length - this.start;
  }

  get newestSeq(): number {
    return this.size === 0 ? this.evictedUpTo : this.messages[this.messages.length - 1]!.seq;
  }

  /** Appends; returns the bytes freed by dropping the oldest past `capacity`. */
  push(message: StoredMessage, capacity: number): number {
    this.messages.push(message);
    this.bytes += messageBytes(message);
    let freed = 0;
    while (this.size > capacity) {
      const oldest = this.messages[this.start]!;
      this.messages[this.start++] = undefined as unknown as StoredMessage;
      this.evictedUpTo = oldest.seq;
      freed += messageBytes(oldest);
    }
    if (this.start >= COMPACT_AFTER && this.start * 2 >= this.messages.length) {
      this.messages = this.messages.slice(this.start);
      this.start = 0;
    }
    this.bytes -= freed;
    return freed;
  }

  /** Retained messages with seq > `after`, oldest first (binary search: seqs increase). */
  after(after: number): StoredMessage[] {
    let lo = this.start;
    let hi = this.messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.messages[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.messages.slice(lo);
  }
}

export class HistoryStore {
  private readonly channels = new Map<string, ChannelHistory>();
  private bytes = 0;
  /** The highest seq dropped by the node budget or ageing, on any channel. */
  private droppedUpTo = 0;
  private readonly evicted: Record<EvictionReason, number> = { bytes: 0, channels: 0, ttl: 0 };
  /** The last key of `channels` (the most recently published), which a publish need not move. */
  private newest: ChannelHistory | undefined;

  constructor(
    private readonly limits: HistoryLimits,
    private readonly now: () => number = Date.now,
  ) {}

  append(message: StoredMessage): void {
    const { channel } = message;
    let history = this.channels.get(channel);
    if (!history) {
      // A channel (re)created after drops cannot prove its cursor-holders missed nothing.
      history = new ChannelHistory(channel, this.droppedUpTo);
      this.bytes += history.bytes;
      this.channels.set(channel, history);
    } else if (history !== this.newest) {
      // Re-inserted: now the most recently published, the last key.
      this.channels.delete(channel);
      this.channels.set(channel, history);
    }
    this.newest = history;
    history.lastPublishAt = this.now();
    const before = history.bytes;
    history.push(message, this.limits.perChannel);
    this.bytes += history.bytes - before;
    this.enforce();
  }

  /** Drops the least recently published histories while over a budget or past their age. */
  enforce(): void {
    const expiredBefore = this.now() - this.limits.ttlMs;
    for (const [channel, history] of this.channels) {
      const reason: EvictionReason | undefined =
        this.channels.size > this.limits.maxChannels ? 'channels'
        : this.bytes > this.limits.maxBytes ? 'bytes'
        : history.lastPublishAt <= expiredBefore ? 'ttl'
        : undefined;
      // The oldest first: once it is within every bound, so is everything after it.
      if (reason === undefined) return;
      this.drop(channel, history, reason);
    }
  }

  private drop(channel: string, history: ChannelHistory, reason: EvictionReason): void {
    this.channels.delete(channel);
    if (this.newest === history) this.newest = undefined;
    this.bytes -= history.bytes;
    this.droppedUpTo = Math.max(this.droppedUpTo, history.newestSeq);
    this.evicted[reason]++;
  }

  /**
   * A channel's retained messages after `after`, and whether messages after `after` may have been
   * dropped (a gap).
   */
  read(channel: string, after: number): { messages: StoredMessage[]; gap: boolean } {
    const history = this.channels.get(channel);
    if (!history) return { messages: [], gap: this.droppedUpTo > after };
    return { messages: history.after(after), gap: history.evictedUpTo > after };
  }

  stats(): HistoryStats {
    return { channels: this.channels.size, bytes: this.bytes, evicted: { ...this.evicted } };
  }
}
