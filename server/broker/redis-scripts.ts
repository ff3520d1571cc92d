/**
 * The Redis key layout and the Lua scripts that keep it consistent. Everything that must be atomic
 * runs as one script: Redis executes a script without interleaving any other command
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), so
 *  - per channel, stream order = seq order = pub/sub order, on every node;
 *  - a message is published on pub/sub iff it was stored in its stream;
 *  - a replay reads the head and every stream at one instant.
 *
 * Layout (all under one prefix, `tabmux:` by default):
 *  - `<p>meta`            hash {epoch, seq}: the epoch of this history and the ONE seq counter of
 *                         every channel (src/protocol/event-id.ts). A wiped Redis loses it and the
 *                         next script starts a new epoch, so old cursors are reported as gaps.
 *  - `<p>evicted`         hash channel → seq of the newest message trimmed from that channel's
 *                         stream. Trimming is exact (MAXLEN without `~`) and recorded here, because
 *                         gap detection must know exactly what was lost: the oldest retained seq is
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
  readonly evicted: string;
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
    evicted: `${prefix}evicted`,
    stream: (channel) => `${prefix}stream:${channel}`,
    idempotency: (channel, key) => `${prefix}idem:${channel}\0${key}`,
    live: (channel) => `${livePrefix}${channel}`,
    channelOfLive: (name) => (name.startsWith(livePrefix) ? name.slice(livePrefix.length) : undefined),
  };
}

/**
 * Shared prelude: the epoch is created once (the HGET + HSET pair is atomic inside a script, which
 * is what SET NX gives outside one). The candidate comes from the caller because a script cannot
 * draw randomness. A new epoch also forgets the eviction record of the old one.
 */
const ENSURE_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
  redis.call('DEL', KEYS[2])
end
`;

/**
 * KEYS: meta, evicted, stream, idempotency key. ARGV: candidate epoch, channel, json, history,
 * pub/sub name, idempotency window in ms ('0': no key). Returns {epoch, seq} (seq as decimal
 * text: Lua numbers print large integers as 1e+14), plus 'duplicate' when the key was seen: then
 * nothing was stored and {epoch, seq} are the first publish's. Check and store in one script, so
 * two retries racing on two nodes store once.
 */
export const PUBLISH_LUA = `${ENSURE_EPOCH}
if ARGV[6] ~= '0' then
  local first = redis.call('GET', KEYS[4])
  if first then
    local firstEpoch, firstSeq = string.match(first, '^([^:]*):(%d+)$')
    if firstEpoch == epoch then return {firstEpoch, firstSeq, 'duplicate'} end
  end
end
local seq = string.format('%d', redis.call('HINCRBY', KEYS[1], 'seq', 1))
local id = seq .. '-0'
local added = redis.pcall('XADD', KEYS[3], id, 'e', epoch, 'd', ARGV[3])
if type(added) == 'table' and added.err then
  -- Only an entry of an OLDER epoch can have an id >= ours (ours only grow): the stream outlived
  -- its epoch (a partial wipe). Its entries mean nothing now.
  redis.call('DEL', KEYS[3])
  redis.call('XADD', KEYS[3], id, 'e', epoch, 'd', ARGV[3])
end
local history = tonumber(ARGV[4])
local excess = redis.call('XLEN', KEYS[3]) - history
if excess > 0 then
  local gone = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', excess)
  local newest = gone[#gone]
  if newest[2][2] == epoch then
    redis.call('HSET', KEYS[2], ARGV[2], string.match(newest[1], '^(%d+)'))
  end
  redis.call('XTRIM', KEYS[3], 'MAXLEN', history)
end
redis.call('PUBLISH', ARGV[5], epoch .. ':' .. seq .. ':' .. ARGV[3])
if ARGV[6] ~= '0' then
  redis.call('SET', KEYS[4], epoch .. ':' .. seq, 'PX', ARGV[6])
end
return {epoch, seq}
`;

/**
 * KEYS: meta, evicted, then one stream per requested channel.
 * ARGV: candidate epoch, then per channel: channel, cursor epoch ('' for none), cursor seq.
 * Returns {epoch, head seq, then per channel: evicted seq ('' for none), entries after the cursor}.
 * A cursor of another epoch, or past the head, reads the whole stream (the caller reports a gap).
 */
export const REPLAY_LUA = `${ENSURE_EPOCH}
local head = redis.call('HGET', KEYS[1], 'seq')
local out = {epoch, head}
for i = 3, #KEYS do
  local a = (i - 3) * 3 + 2
  local start = '-'
  if ARGV[a + 1] == epoch and tonumber(ARGV[a + 2]) <= tonumber(head) then
    start = '(' .. ARGV[a + 2] .. '-0'
  end
  out[#out + 1] = redis.call('HGET', KEYS[2], ARGV[a]) or ''
  out[#out + 1] = redis.call('XRANGE', KEYS[i], start, '+')
end
return out
`;
