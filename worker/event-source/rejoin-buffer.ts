/**
 * What a young shared upstream has dispatched, so that a source re-attaching late gets the events
 * after ITS last event id rather than only those after the first re-attacher's.
 *
 * Why: when the hub dies, every tab re-attaches its sources to a fresh hub, and the first to
 * arrive opens the upstream with its `Last-Event-ID`. A tab that arrives later (its connect was
 * dropped by Chromium and retried a second on, src/event-source/hub-link.ts) joins a stream that
 * has already dispatched the events it missed; without this it would never see them, where its
 * own native EventSource would have had them replayed by the server.
 *
 * Kept only for REJOIN_WINDOW_MS after the upstream is created (every retry of hub-link.ts falls
 * within it) and bounded in count and characters, so a long-lived stream holds nothing.
 */
import type { DispatchedEvent } from '../../src/hub-protocol/event-source.js';

/** Longer than hub-link's retries after a hub death (1 + 2 + 4 + 8 s) plus its lock's notice. */
export const REJOIN_WINDOW_MS = 30_000;
export const REJOIN_MAX_EVENTS = 1000;
/** Characters of `data` (UTF-16 code units, about bytes for ASCII) kept at most. */
export const REJOIN_MAX_CHARS = 1 << 20;

export class RejoinBuffer {
  private events: DispatchedEvent[] = [];
  private chars = 0;
  private open = true;

  /** `startId`: the last event id the upstream started from (what it sent as `Last-Event-ID`). */
  constructor(private startId: string) {}

  /** Stops keeping events and forgets those kept (the window is over). */
  close(): void {
    this.open = false;
    this.events = [];
    this.chars = 0;
  }

  push(events: readonly DispatchedEvent[]): void {
    if (!this.open) return;
    for (const event of events) {
      this.events.push(event);
      this.chars += event.data.length + event.type.length;
    }
    let drop = 0;
    while (this.events.length - drop > REJOIN_MAX_EVENTS || (this.chars > REJOIN_MAX_CHARS && drop < this.events.length)) {
      const dropped = this.events[drop++]!;
      this.chars -= dropped.data.length + dropped.type.length;
      // A source whose last id is the dropped event's has seen it and needs all that is kept.
      this.startId = dropped.lastEventId;
    }
    if (drop > 0) this.events = this.events.slice(drop);
  }

  /**
   * The kept events a source whose last event id is `lastEventId` has not seen, oldest first.
   * Empty when it has seen them all, when no id is given (a new source gets what comes next, as a
   * new native EventSource would), or when that id is no longer (or never was) kept.
   */
  after(lastEventId: string | undefined): DispatchedEvent[] {
    if (!this.open || lastEventId === undefined || lastEventId === '') return [];
    // The source has seen the event that SET its id, and none of this upstream's events (it comes
    // from the hub that died). Events without an `id:` field repeat the id before them, so the
    // one that set it is the first of the last run that carries it; the id-less events after it
    // (a `$reset` notice, say) are new to the source.
    let last = this.events.length - 1;
    while (last >= 0 && this.events[last]!.lastEventId !== lastEventId) last--;
    if (last < 0) return lastEventId === this.startId ? [...this.events] : [];
    let first = last;
    while (first > 0 && this.events[first - 1]!.lastEventId === lastEventId) first--;
    // A run from the very start carries the id the upstream started from: set before it.
    if (first === 0 && lastEventId === this.startId) return [...this.events];
    return this.events.slice(first + 1);
  }
}
