/**
 * The one interface between the endpoints and where messages live. The embedded in-memory broker
 * (memory.ts) and the Redis broker (redis.ts) both implement it; nothing above this file knows
 * which one runs.
 *
 * Ordering and ids (see src/protocol/event-id.ts): the broker gives every published message the
 * next `seq` of ONE counter shared by all channels, in the broker's current `epoch`. A message's
 * seq is larger than every seq published before it, on any channel; per channel, subscribers see
 * messages in increasing seq.
 *
 * Fan-out is the server's job, not the broker's: a node subscribes a channel once (one listener,
 * however many clients want it) and encodes each message once per transport.
 *
 * What a broker throws is a BrokerError (errors.ts), never an HTTP answer: the server maps it
 * (server/errors.ts). A store that cannot be reached, or a closed broker, rejects `publish`,
 * `subscribe`, `replay` and `head` with code TABMUX_ERR_UNAVAILABLE: the clients are answered 503
 * and retry. Anything else thrown is a bug: logged, and answered 500 without detail.
 */
import type { EventId } from '../../src/protocol/event-id.js';

export interface StoredMessage {
  readonly channel: string;
  /** The resume token, `formatEventId(epoch, seq)`. */
  readonly id: string;
  readonly epoch: string;
  readonly seq: number;
  /** The published value as JSON text, encoded once at publish time. */
  readonly json: string;
  /**
   * Set on the answer to a publish whose idempotency key was already seen: nothing was stored,
   * and `id` is the first publish's.
   */
  readonly duplicate?: true;
}

/**
 * A publish that may be a retry of one whose answer was lost: within `windowMs` of the first, the
 * same `key` on the same channel stores nothing and answers the first message's id.
 */
export interface Idempotency {
  readonly key: string;
  readonly windowMs: number;
}

export type MessageListener = (message: StoredMessage) => void;

/** Where a channel's replay starts: after this id, or (undefined) from now: no replay. */
export interface ReplayRequest {
  readonly channel: string;
  readonly after: EventId | undefined;
}

export interface ReplayResult {
  /** Every retained message after its channel's cursor, over all requested channels, in seq order. */
  readonly messages: readonly StoredMessage[];
  /**
   * Channels whose cursor the history no longer reaches (messages after the cursor were evicted),
   * or whose cursor is of another epoch. Their replay holds what is retained; a gap may precede it.
   */
  readonly gaps: readonly string[];
  /** The broker's head when the replay was read: every message up to it is in `messages` or older. */
  readonly head: EventId;
  /**
   * With a `limit`: true when messages past the last one returned remain. The next page is read
   * with every cursor at that last message's id.
   */
  readonly more?: boolean;
}

export interface HistoryStats {
  /** Channels holding history now. */
  readonly channels: number;
  /** Estimated bytes of all retained history now. */
  readonly bytes: number;
  /** Channel histories dropped since start (least recently published past a budget, or idle past the TTL), by why. */
  readonly evicted: Readonly<Record<'bytes' | 'channels' | 'ttl', number>>;
}

export interface BrokerHealth {
  readonly ok: boolean;
  /** Why not, in a sentence safe to show to a client (no addresses, no stack). */
  readonly reason?: string;
}

export interface Broker {
  /**
   * Assigns the id, appends to the channel's history, then delivers to every subscribed listener.
   * Rejects with TABMUX_ERR_UNAVAILABLE when the store is unreachable, including when the reply
   * was lost and the message may or may not have been stored: a retry with the same idempotency
   * key then answers the first id instead of storing it twice. The check and the store are one
   * atomic step. A broker that ignores `idempotency` still works, without that guarantee.
   */
  publish(channel: string, json: string, idempotency?: Idempotency): Promise<StoredMessage>;
  /**
   * Adds a listener for a channel's live messages. Resolves once delivery is guaranteed for every
   * message published after it resolved. A replay read AFTER that, merged with the live messages
   * de-duplicated by seq, is gapless. Rejects with TABMUX_ERR_UNAVAILABLE (the listener is then
   * not added).
   */
  subscribe(channel: string, listener: MessageListener): Promise<void>;
  /** Never throws: a listener that is not subscribed is ignored. */
  unsubscribe(channel: string, listener: MessageListener): void;
  /**
   * Retained history after the given cursors (see ReplayResult): all of it, or with `limit` the
   * oldest `limit` messages by seq over all channels (a page; `more` says whether others remain).
   * Rejects with TABMUX_ERR_UNAVAILABLE.
   */
  replay(requests: readonly ReplayRequest[], limit?: number): Promise<ReplayResult>;
  /** The id of the newest message of any channel (seq 0 when none yet). Rejects with TABMUX_ERR_UNAVAILABLE. */
  head(): Promise<EventId>;
  health(): BrokerHealth;
  /** This node's history against its budget (README, Limits and budgets); absent when the history lives elsewhere (Redis). */
  historyStats?(): HistoryStats;
  /** Called with every change of health, so /health and publishes can answer 503 at once. */
  onHealthChange(listener: (health: BrokerHealth) => void): () => void;
  close(): Promise<void>;
}

/** An hour: longer than a lunch break with the laptop shut (README, Limits and budgets). */
export const DEFAULT_HISTORY_TTL_MS = 3600_000;

/**
 * A factory checks its options at once and throws on a bad one: createRedisBroker a BrokerError
 * TABMUX_ERR_BAD_REQUEST (createPushServer answers it as a bad option), createMemoryBroker a
 * RangeError.
 */
export interface BrokerOptions {
  /** Messages kept per channel for resume. */
  readonly history: number;
  /** A channel's history is forgotten after this long without a publish (default one hour). */
  readonly historyTtlMs?: number;
}
