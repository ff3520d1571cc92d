/**
 * What the Redis broker reads back from Redis, turned into StoredMessages, and the safe words for
 * why Redis cannot be reached. Layout and formats: redis-scripts.ts.
 */
import { formatEventId } from '../../src/protocol/event-id.js';
import type { StoredMessage } from './broker.js';

function message(channel: string, epoch: string, seq: number, json: string): StoredMessage {
  return { channel, id: formatEventId(epoch, seq), epoch, seq, json };
}

/** A pub/sub payload `<epoch>:<seq>:<json>`; undefined when it is not one (never from our script). */
export function decodeLive(channel: string, payload: string): StoredMessage | undefined {
  const first = payload.indexOf(':');
  const second = payload.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1) return undefined;
  const seq = Number(payload.slice(first + 1, second));
  if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
  return message(channel, payload.slice(0, first), seq, payload.slice(second + 1));
}

/** One XRANGE entry as the script returns it: `[id, [field, value, ...]]`. */
type StreamEntry = [string, string[]];

/**
 * A stream's entries of `epoch`, oldest first. Entries of another epoch (left by a partial wipe)
 * are skipped: their seqs belong to a history that no longer exists.
 */
export function decodeEntries(channel: string, epoch: string, entries: unknown): StoredMessage[] {
  const out: StoredMessage[] = [];
  if (!Array.isArray(entries)) return out;
  for (const entry of entries as StreamEntry[]) {
    const [id, fields] = entry;
    const seq = Number(id.slice(0, id.indexOf('-')));
    let entryEpoch: string | undefined;
    let json: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'e') entryEpoch = fields[i + 1];
      else if (fields[i] === 'd') json = fields[i + 1];
    }
    if (entryEpoch === epoch && json !== undefined && Number.isSafeInteger(seq)) {
      out.push(message(channel, epoch, seq, json));
    }
  }
  return out;
}

/** A safe one-line reason for /health from a connection error: its code, never its address. */
export function describeRedisError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]{2,32}$/.test(code)) return `Redis is unreachable (${code})`;
  const text = error instanceof Error ? error.message : '';
  // ioredis's socketTimeout / commandTimeout: connected, but Redis answers nothing.
  if (/timed? ?out/i.test(text)) return 'Redis does not answer (timeout)';
  // Redis's error replies start with an upper-case word (NOAUTH, WRONGPASS, LOADING, OOM...): safe
  // to name, and what an operator needs to see.
  const word = /^([A-Z]{2,20})\b/.exec(text)?.[1];
  return word ? `Redis answered ${word}` : 'Redis is unreachable';
}
