/** Comparing resume tokens (src/protocol/event-id.ts) the way a de-duplicating reader must. */
import { parseEventId } from './event-id.js';

/**
 * True when `id` should be delivered after `cursor`: a later sequence number of the same epoch,
 * or any id of another epoch (a new broker history cannot be compared, and dropping it would
 * lose everything after a server restart). Unparseable ids fall back to inequality.
 */
export function isNewer(id: string, cursor: string | undefined): boolean {
  if (cursor === undefined) return true;
  const a = parseEventId(id);
  const b = parseEventId(cursor);
  if (!a || !b) return id !== cursor;
  return a.epoch !== b.epoch || a.seq > b.seq;
}

/** The later of two ids of one epoch; the first when they cannot be compared. */
export function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return isNewer(b, a) ? b : a;
}
