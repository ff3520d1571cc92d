/**
 * Batches the events for one tab: everything queued during one task leaves in ONE postMessage at
 * the end of it (a microtask), so an SSE chunk carrying 50 messages costs one structured clone
 * per tab, not 50.
 */
import type { EventSink, HubEvent } from '../src/hub-protocol/hub-api.js';

export class Outbox {
  #queue: HubEvent[] = [];
  #scheduled = false;

  constructor(readonly sink: EventSink) {}

  push(event: HubEvent): void {
    this.#queue.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const events = this.#queue;
    this.#queue = [];
    try {
      this.sink.postMessage({ type: 'batch', events });
    } catch {
      // A port whose tab is gone may throw on some engines; the liveness lock removes the tab.
    }
  }
}
