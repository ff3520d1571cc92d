/**
 * The Redis broker: many server nodes, one history. Every node that points at the same Redis (and
 * key prefix) shares the epoch, the seq counter, the per-channel streams and the pub/sub channels,
 * so an id minted on node B resumes a client on node A, and on any node after all restarted.
 *
 * Two connections per node (ioredis): one for commands (the scripts of redis-scripts.ts), one for
 * pub/sub (redis-live.ts). While either is down the broker is unhealthy: `publish` and `subscribe`
 * reject at once with an unavailable BrokerError (errors.ts; the server answers 503), nothing is
 * queued to be sent later. ioredis keeps reconnecting; subscriptions then resume without loss.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { formatEventId, newEpoch } from '../../src/protocol/event-id.js';
import type { EventId } from '../../src/protocol/event-id.js';
import { DEFAULT_HISTORY_TTL_MS } from './broker.js';
import type { Broker, BrokerHealth, BrokerOptions, ReplayRequest, ReplayResult, StoredMessage } from './broker.js';
import { BrokerError, brokerUnavailable, isBrokerUnavailable } from './errors.js';
import { decodeEntries, describeRedisError } from './redis-codec.js';
import { deferredBroker } from './deferred-broker.js';
import { assertIoredisInstalled, loadIoredis } from './redis-package.js';
import { createLive } from './redis-live.js';
import { PUBLISH_LUA, REPLAY_LUA, redisKeys } from './redis-scripts.js';

export interface RedisBrokerOptions extends BrokerOptions {
  /** Prefix of every key and pub/sub channel; nodes of one deployment must agree. */
  readonly keyPrefix?: string;
  /** How long operations wait for the FIRST connection to Redis before rejecting (ms); later, none. */
  readonly startTimeout?: number;
  /** A command that gets no answer in this time rejects (ms): a half-open socket cannot hang a publish. */
  readonly commandTimeout?: number;
  /**
   * ioredis's `RedisOptions` (TLS, auth, ...), passed as they are; the options above and the
   * reconnect policy win. Typed as any object so that these types do not need ioredis, an
   * optional peer dependency (check yours with `satisfies RedisOptions`).
   */
  readonly redis?: object;
}

const DEFAULT_START_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;
/**
 * A connection can stay "up" while Redis answers nothing (a frozen process, a partition without
 * RST). Each connection is PINGed this often; ioredis's `socketTimeout` destroys a socket that
 * then gets no data, which makes the broker unhealthy and reconnects (then catches up).
 */
const PING_INTERVAL_MS = 2_000;
/** Reconnect quickly at first, then every 2 s: an outage is noticed and ended within seconds. */
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, 2_000) + Math.floor(Math.random() * 100);

interface ScriptCommands {
  tabmuxPublish(...args: string[]): Promise<[string, string] | [string, string, 'duplicate']>;
  tabmuxReplay(...args: string[]): Promise<unknown[]>;
}

export function createRedisBroker(url: string, options: RedisBrokerOptions): Broker {
  // Configuration mistakes are BrokerErrors too: createPushServer answers them as bad options,
  // which the CLI prints as usage errors.
  if (!Number.isInteger(options.history) || options.history < 0) {
    throw new BrokerError('TABMUX_ERR_BAD_REQUEST', 'option history must be an integer >= 0');
  }
  if (options.historyTtlMs !== undefined && (!Number.isInteger(options.historyTtlMs) || options.historyTtlMs < 1)) {
    throw new BrokerError('TABMUX_ERR_BAD_REQUEST', 'option historyTtlMs must be an integer >= 1');
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'redis:' && parsed?.protocol !== 'rediss:') {
    throw new BrokerError('TABMUX_ERR_BAD_REQUEST', 'the Redis URL must look like redis://host:6379 or rediss://host:6380');
  }
  assertIoredisInstalled();
  // The broker starts once ioredis is loaded; operations wait for it (deferred-broker.ts).
  const opening = loadIoredis().then(({ Redis }) => openRedisBroker(Redis, url, parsed, options));
  return deferredBroker(opening, { ok: false, reason: 'Redis is not connected yet' });
}

function openRedisBroker(Redis: new (url: string, options: RedisOptions) => Redis, url: string, parsed: URL, options: RedisBrokerOptions): Broker {
  const redisOptions = options.redis as RedisOptions | undefined;
  // ioredis reads the database from the URL path (redis://host:6379/2), else from its `db` option.
  const db = Number(parsed.pathname.slice(1)) || redisOptions?.db || 0;
  const keys = redisKeys(options.keyPrefix ?? 'tabmux:', db);
  const history = String(options.history);
  const ttl = String(options.historyTtlMs ?? DEFAULT_HISTORY_TTL_MS);
  const startTimeout = options.startTimeout ?? DEFAULT_START_TIMEOUT_MS;
  const commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const connectionOptions: RedisOptions = {
    ...redisOptions,
    commandTimeout,
    socketTimeout: commandTimeout,
    retryStrategy,
    // Fail fast while disconnected instead of queueing: a publish must answer now (503), not
    // whenever Redis comes back.
    enableOfflineQueue: false,
    // A publish whose reply was lost may have run; sending it again could store it twice.
    autoResendUnfulfilledCommands: false,
    // redis-live.ts re-subscribes itself, so that it knows when to catch up.
    autoResubscribe: false,
    // Our own prefix is in every key and pub/sub name; ioredis's would prefix keys but not channels.
    keyPrefix: '',
  };
  const cmd = new Redis(url, { ...connectionOptions, connectionName: 'tabmux' });
  const sub = new Redis(url, { ...connectionOptions, connectionName: 'tabmux-sub' });
  const scripts = cmd as unknown as ScriptCommands;
  cmd.defineCommand('tabmuxPublish', { numberOfKeys: 6, lua: PUBLISH_LUA });
  cmd.defineCommand('tabmuxReplay', { lua: REPLAY_LUA });
  const live = createLive({ sub, keys, head, replay });

  let closed = false;
  let everHealthy = false;
  let lastError = 'Redis is not connected yet';
  let health: BrokerHealth = { ok: false, reason: lastError };
  const healthListeners = new Set<(health: BrokerHealth) => void>();
  /** Commands in flight: a dropped connection settles them now, not at commandTimeout. */
  const inFlight = new Set<() => void>();

  const updateHealth = (): void => {
    const ok = !closed && cmd.status === 'ready' && sub.status === 'ready';
    if (ok) everHealthy = true;
    const next: BrokerHealth = ok ? { ok } : { ok, reason: closed ? 'broker is closed' : lastError };
    if (next.ok === health.ok && next.reason === health.reason) return;
    health = next;
    if (ok) live.resume();
    for (const listener of [...healthListeners]) {
      try {
        listener(health);
      } catch {
        // A listener's failure must not break the ioredis event that reported the change.
      }
    }
  };

  for (const connection of [cmd, sub]) {
    // Every 'error' is handled: an unhandled one would crash the process. ioredis reconnects.
    connection.on('error', (error: unknown) => {
      lastError = describeRedisError(error);
      updateHealth();
    });
    connection.on('ready', updateHealth);
    connection.on('close', () => {
      if (!closed && lastError === 'Redis is not connected yet') lastError = 'Redis is unreachable';
      else if (!closed && health.ok) lastError = 'lost the connection to Redis; reconnecting';
      updateHealth();
    });
    connection.on('end', updateHealth);
  }
  cmd.on('close', () => {
    for (const drop of [...inFlight]) drop();
  });
  const pinger = setInterval(() => {
    for (const connection of [cmd, sub]) if (connection.status === 'ready') connection.ping().catch(() => {});
  }, PING_INTERVAL_MS);
  pinger.unref();

  /** Resolves when healthy; before the first connection waits up to startTimeout, then never. */
  const whenHealthy = (): Promise<void> => {
    if (health.ok) return Promise.resolve();
    if (closed || everHealthy) return Promise.reject(brokerUnavailable(health.reason ?? 'Redis is unreachable'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(brokerUnavailable(health.reason ?? 'Redis is unreachable'));
      }, startTimeout);
      const remove = onHealthChange((next) => {
        if (!next.ok && !closed) return;
        clearTimeout(timer);
        remove();
        if (next.ok) resolve();
        else reject(brokerUnavailable('broker is closed'));
      });
    });
  };

  function onHealthChange(listener: (health: BrokerHealth) => void): () => void {
    healthListeners.add(listener);
    return () => healthListeners.delete(listener);
  }

  /** Runs a command, turning any failure into an unavailable BrokerError (the server's 503). */
  async function guarded<T>(run: () => Promise<T>, whenDropped: string): Promise<T> {
    await whenHealthy();
    let drop!: () => void;
    const dropped = new Promise<never>((_, reject) => (drop = () => reject(brokerUnavailable(whenDropped))));
    inFlight.add(drop);
    try {
      return await Promise.race([run(), dropped]);
    } catch (error) {
      throw isBrokerUnavailable(error) ? error : brokerUnavailable(describeRedisError(error));
    } finally {
      inFlight.delete(drop);
    }
  }

  async function replay(requests: readonly ReplayRequest[], limit?: number): Promise<ReplayResult> {
    const wanted = new Map<string, EventId>();
    for (const { channel, after } of requests) if (after !== undefined) wanted.set(channel, after);
    const list = [...wanted];
    const args: string[] = [String(3 + 2 * list.length), keys.meta, keys.active, keys.activeSeq];
    for (const [channel] of list) args.push(keys.evicted(channel), keys.stream(channel));
    args.push(newEpoch(), ttl, limit === undefined ? '' : String(limit));
    for (const [channel, after] of list) args.push(channel, after.epoch, String(after.seq));
    const reply = await guarded(() => scripts.tabmuxReplay(...args), 'lost the connection to Redis while reading the history');
    const epoch = String(reply[0]);
    const head: EventId = { epoch, seq: Number(reply[1]) };
    const messages: StoredMessage[] = [];
    const gaps: string[] = [];
    list.forEach(([channel, after], index) => {
      const evicted = Number(reply[2 + index * 2] || 0);
      // Another epoch's seq says nothing about ours; a seq past our head was never ours either.
      const foreign = after.epoch !== epoch || after.seq > head.seq;
      if (foreign || evicted > after.seq) gaps.push(channel);
      // A loop, not push(...entries): a spread of a long history overflows the call stack.
      for (const message of decodeEntries(channel, epoch, reply[3 + index * 2])) messages.push(message);
    });
    // Each channel's run is in seq order already; seqs are unique across channels.
    messages.sort((a, b) => a.seq - b.seq);
    // Each channel's first `limit` entries were read: the oldest `limit` of their union are exactly
    // the oldest `limit` messages over all channels.
    if (limit !== undefined && messages.length > limit) return { messages: messages.slice(0, limit), gaps, head, more: true };
    // A channel that filled its page may hold more even when the union did not pass the limit.
    if (limit !== undefined && list.some((_, index) => Array.isArray(reply[3 + index * 2]) && (reply[3 + index * 2] as unknown[]).length >= limit)) {
      return { messages, gaps, head, more: true };
    }
    return { messages, gaps, head };
  }

  async function head(): Promise<EventId> {
    return (await replay([])).head;
  }

  return {
    async publish(channel, json, idempotency) {
      const idemKey = keys.idempotency(channel, idempotency?.key ?? '');
      const windowMs = idempotency ? String(Math.max(1, Math.round(idempotency.windowMs))) : '0';
      const [epoch, seqText, duplicate] = await guarded(() =>
        scripts.tabmuxPublish(
          keys.meta, keys.active, keys.activeSeq, keys.evicted(channel), keys.stream(channel), idemKey,
          newEpoch(), ttl, channel, json, history, keys.live(channel), windowMs,
        ),
        // Redis may have run the script and lost only the reply (e.g. shut down before writing it).
        'lost the connection to Redis while publishing: the message may or may not have been stored',
      );
      const seq = Number(seqText);
      return { channel, id: formatEventId(epoch, seq), epoch, seq, json, ...(duplicate ? { duplicate: true as const } : {}) };
    },

    async subscribe(channel, listener) {
      await whenHealthy();
      await live.subscribe(channel, listener);
    },

    unsubscribe: (channel, listener) => live.unsubscribe(channel, listener),
    replay,
    head,
    health: () => health,
    onHealthChange,

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pinger);
      live.close();
      updateHealth();
      const quit = Promise.allSettled([cmd.quit(), sub.quit()]);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
      await Promise.race([quit, late]);
      clearTimeout(timer);
      // quit() is polite but cannot stop a reconnect loop; disconnect() does, at once.
      cmd.disconnect();
      sub.disconnect();
      healthListeners.clear();
    },
  };
}
