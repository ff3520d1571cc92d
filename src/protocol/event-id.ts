/**
 * Resume tokens ("event ids").
 *
 * An id is `<epoch>-<seq>`, both lower-case base 36:
 *  - `seq` is ONE counter for the whole broker (every channel), so ids of different channels are
 *    ordered against each other. That is what lets a stream of several channels resume from the
 *    single `Last-Event-ID` a native EventSource sends: "everything on my channels after seq N".
 *  - `epoch` names the broker's history (a new in-memory broker, a wiped Redis). An id from another
 *    epoch cannot be compared; the server then replays what it has and says a gap may exist.
 *
 * The alphabet `[0-9a-z-]` needs no escaping in a URL, a header or an SSE `id:` field and cannot
 * forge SSE framing (no CR, LF, NUL or colon). Ids are at most 28 bytes.
 */
export interface EventId {
  readonly epoch: string;
  readonly seq: number;
}

const EVENT_ID = /^([0-9a-z]{1,16})-([0-9a-z]{1,11})$/;

export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}-${seq.toString(36)}`;
}

export function parseEventId(text: unknown): EventId | undefined {
  if (typeof text !== 'string') return undefined;
  const match = EVENT_ID.exec(text);
  if (!match) return undefined;
  const seq = parseInt(match[2]!, 36);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { epoch: match[1]!, seq };
}

/** A fresh epoch: time-based so that a later broker sorts after an earlier one, plus randomness. */
export function newEpoch(now: number = Date.now(), random: () => number = Math.random): string {
  const rand = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `${now.toString(36)}${rand}`;
}

/**
 * True when `a` is strictly after `b`. Ids of different epochs are not comparable: the caller
 * decides (a client de-duplicating treats a new epoch as new; the server treats it as a gap).
 */
export function isAfter(a: EventId, b: EventId): boolean {
  return a.epoch === b.epoch && a.seq > b.seq;
}
