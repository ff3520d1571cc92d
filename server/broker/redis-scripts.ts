/**
 * The Redis key layout and the Lua scripts that keep it consistent. Everything that must be atomic
 * runs as one script: Redis executes a script without interleaving any other command
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), so
 *  - per channel, stream order = seq order = pub/sub order, on every node;
 *  - a message is published on pub/sub iff it was stored in its stream;
 *  - a replay reads the head and every stream at one instant.
 *
 * Layout (all under one prefix, `tabmux:` by default). Every per-channel key expires `ttl` after the
 * channel's last publish (PEXPIRE, refreshed by the publish script); only the first three keys live
 * on, and those hold nothing per channel that is not pruned once it ages out:
 *  - `<p>meta`            hash {epoch, seq, dropped}: the epoch of this history, the ONE seq counter
 *                         of every channel (src/protocol/event-id.ts), and the newest seq of any
 *                         channel whose keys aged out. A wiped Redis loses it and the next script
 *                         starts a new epoch, so old cursors are reported as gaps.
 *  - `<p>active`          sorted set channel → time of its last publish (ms, Redis's clock).
 *  - `<p>active-seq`      sorted set channel → seq of its last publish. With `active`: when a
 *                         channel ages out its newest seq joins `dropped`, so a cursor below it on
 *                         a channel with no stream is reported as a gap, never skipped silently.
 *  - `<p>evicted:<channel>` the seq of the newest message trimmed from that channel's stream.
 *                         Trimming is exact (MAXLEN without `~`) and recorded here, because gap
 *                         detection must know exactly what was lost: the oldest retained seq is
 *                         not enough, seqs of one channel are not contiguous.
 *  - `<p>stream:<channel>` stream, entry id `<seq>-0`, fields `e` (epoch) and `d` (the JSON text).
 *  - `<p>idem:<channel>\0<key>` string `<epoch>:<seq>` of the first publish with that
 *                         idempotency key, expiring after the window (PX): a retry answers it.
 *  - `<p>live:<db>:<channel>` pub/sub channel; payload `<epoch>:<seq>:<json>`. Pub/sub ignores the
 *                         database number, so it is part of the name: two deployments on two
 *                         databases of one Redis must not hear each other.
 *
 * Redis Cluster is not supported: the counter is one key that every publish touches.
 */

export interface RedisKeys {
  readonly meta: string;
  readonly active: string;
  readonly activeSeq: string;
  evicted(channel: string): string;
  stream(channel: string): string;
  idempotency(channel: string, key: string): string;
  live(channel: string): string;
  /** The channel a pub/sub name belongs to, or undefined when it is not one of ours. */
  channelOfLive(name: string): string | undefined;
}

export function redisKeys(prefix: string, db = 0): RedisKeys {
  const livePrefix = `${prefix}live:${db}:`;
  return {
    meta: `${prefix}meta`,
    active: `${prefix}active`,
    activeSeq: `${prefix}active-seq`,
    evicted: (channel) => `${prefix}evicted:${channel}`,
    stream: (channel) => `${prefix}stream:${channel}`,
    idempotency: (channel, key) => `${prefix}idem:${channel}\0${key}`,
    live: (channel) => `${livePrefix}${channel}`,
    channelOfLive: (name) => (name.startsWith(livePrefix) ? name.slice(livePrefix.length) : undefined),
  };
}

/**
 * Shared prelude. KEYS[1..3]: meta, active, active-seq. ARGV[1]: candidate epoch, ARGV[2]: ttl (ms).
 *
 * The epoch is created once (the HGET + HSET pair is atomic inside a script, which is what SET NX
 * gives outside one). The candidate comes from the caller because a script cannot draw
 * randomness. A new epoch also forgets the bookkeeping of the old one.
 *
 * Then channels idle past the ttl are pruned from the bookkeeping (their keys expire on their own,
 * at the same moment by the same clock), their newest seq raising `dropped`. A bounded number per
 * call keeps every call short; one not pruned yet is still found by its `active-seq` score.
 */
const PRELUDE = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0, 'dropped', 0)
  redis.call('DEL', KEYS[2], KEYS[3])
end
local ttl = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local dropped = tonumber(redis.call('HGET', KEYS[1], 'dropped') or '0')
local idle = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 100)
if #idle > 0 then
  for _, name in ipairs(idle) do
    local last = tonumber(redis.call('ZSCORE', KEYS[3], name) or '0')
    if last > dropped then dropped = last end
  end
  redis.call('HSET', KEYS[1], 'dropped', string.format('%d', dropped))
  redis.call('ZREM', KEYS[2], unpack(idle))
  redis.call('ZREM', KEYS[3], unpack(idle))
end
`;

/**
 * KEYS: meta, active, active-seq, evicted, stream, idempotency key. ARGV: candidate epoch, ttl,
 * channel, json, history, pub/sub name, idempotency window in ms ('0': no key). Returns {epoch,
 * seq} (seq as decimal text: Lua numbers print large integers as 1e+14), plus 'duplicate' when the
 * key was seen: then nothing was stored and {epoch, seq} are the first publish's. Check and store
 * in one script, so two retries racing on two nodes store once.
 */
export const PUBLISH_LUA = `${PRELUDE}
if ARGV[7] ~= '0' then
  local first = redis.call('GET', KEYS[6])
  if first then
    local firstEpoch, firstSeq = string.match(first, '^([^:]*):(%d+)$')
    if firstEpoch == epoch then return {firstEpoch, firstSeq, 'duplicate'} end
  end
end
local seq = string.format('%d', redis.call('HINCRBY', KEYS[1], 'seq', 1))
local id = seq .. '-0'
if redis.call('EXISTS', KEYS[5]) == 0 and dropped > 0 then
  -- A channel (re)created after others aged out cannot prove a cursor older than that missed nothing.
  local known = tonumber(redis.call('GET', KEYS[4]) or '0')
  if dropped > known then redis.call('SET', KEYS[4], string.format('%d', dropped)) end
end
local added = redis.pcall('XADD', KEYS[5], id, 'e', epoch, 'd', ARGV[4])
if type(added) == 'table' and added.err then
  -- Only an entry of an OLDER epoch can have an id >= ours (ours only grow): the stream outlived
  -- its epoch (a partial wipe). Its entries mean nothing now.
  redis.call('DEL', KEYS[5])
  redis.call('XADD', KEYS[5], id, 'e', epoch, 'd', ARGV[4])
end
local history = tonumber(ARGV[5])
local excess = redis.call('XLEN', KEYS[5]) - history
if excess > 0 then
  local gone = redis.call('XRANGE', KEYS[5], '-', '+', 'COUNT', excess)
  local newest = gone[#gone]
  if newest[2][2] == epoch then
    redis.call('SET', KEYS[4], string.match(newest[1], '^(%d+)'))
  end
  redis.call('XTRIM', KEYS[5], 'MAXLEN', history)
end
redis.call('PEXPIRE', KEYS[5], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('ZADD', KEYS[3], seq, ARGV[3])
redis.call('PUBLISH', ARGV[6], epoch .. ':' .. seq .. ':' .. ARGV[4])
if ARGV[7] ~= '0' then
  redis.call('SET', KEYS[6], epoch .. ':' .. seq, 'PX', ARGV[7])
end
return {epoch, seq}
`;

/**
 * KEYS: meta, active, active-seq, then per requested channel its evicted key and its stream.
 * ARGV: candidate epoch, ttl, page size ('' for all), then per channel: channel, cursor epoch ('' for
 * none), cursor seq. A page reads at most that many entries per channel (XRANGE … COUNT); the
 * caller keeps the oldest over all channels.
 * Returns {epoch, head seq, then per channel: the seq up to which messages may be lost ('' for
 * none), entries after the cursor}. A cursor of another epoch, or past the head, reads the whole
 * stream (the caller reports a gap).
 */
export const REPLAY_LUA = `${PRELUDE}
local head = redis.call('HGET', KEYS[1], 'seq')
local out = {epoch, head}
local count = tonumber(ARGV[3])
for i = 4, #KEYS, 2 do
  local a = (i - 4) / 2 * 3 + 4
  local start = '-'
  if ARGV[a + 1] == epoch and tonumber(ARGV[a + 2]) <= tonumber(head) then
    start = '(' .. ARGV[a + 2] .. '-0'
  end
  local lost = tonumber(redis.call('GET', KEYS[i]) or '0')
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    -- No stream: never published, or aged out (pruned into dropped, or not pruned yet).
    local last = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[a]) or '0')
    lost = math.max(lost, dropped, last)
  end
  out[#out + 1] = lost > 0 and string.format('%d', lost) or ''
  if count then
    out[#out + 1] = redis.call('XRANGE', KEYS[i + 1], start, '+', 'COUNT', count)
  else
    out[#out + 1] = redis.call('XRANGE', KEYS[i + 1], start, '+')
  end
end
return out
`;
