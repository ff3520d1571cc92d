/**
 * Where each channel stands: its cursor (the last id delivered to the tabs), the hub's head (the
 * newest id seen on any channel), and whether a tab's older cursor was adopted so the upstream
 * must reopen from it (`rewind`). De-duplication by id lives here: a reconnect or a switch-over
 * never shows a message twice.
 */
import { isNewer, later } from '../src/protocol/event-id-order.js';

export class ChannelCursors {
  readonly #cursors = new Map<string, string>();
  #head: string | undefined;
  /** A tab's older cursor was adopted on a channel the upstream carries: it reopens from there. */
  rewind = false;

  get(channel: string): string | undefined {
    return this.#cursors.get(channel);
  }

  /** Where an upstream starts `channel`: its cursor, or the head (from now) when it has none. */
  start(channel: string): string | undefined {
    return this.#cursors.get(channel) ?? this.#head;
  }

  /** An id the server reported (its head on open, a WebSocket `subscribed`): the head moves on. */
  seen(id: string | undefined): void {
    this.#head = later(this.#head, id);
  }

  /**
   * A tab resuming from its own cursor (a restarted hub, a late tab) may need an older start.
   * `carried`: the upstream already carries the channel.
   */
  adopt(channel: string, cursor: string | undefined, carried: boolean): void {
    if (cursor === undefined) return;
    const position = this.#cursors.get(channel) ?? (carried ? this.#head : undefined);
    if (position !== undefined && !isNewer(position, cursor)) return;
    this.#cursors.set(channel, cursor);
    // The upstream already runs past this tab's cursor: reopen from it. Tabs drop what they have.
    if (carried) this.rewind = true;
  }

  /** True, and the cursor moves, when `id` is new on `channel` (not seen on the other upstream). */
  advance(channel: string, id: string): boolean {
    if (!isNewer(id, this.#cursors.get(channel))) return false;
    this.#cursors.set(channel, id);
    this.#head = later(this.#head, id);
    return true;
  }

  forget(channel: string): void {
    this.#cursors.delete(channel);
  }

  /**
   * What an upstream is opened with: channel → start. `synthetic`: channels whose start is the
   * hub's head, not a real position, so a `$reset` there is noise.
   */
  request(channels: Iterable<string>): { request: Map<string, string | undefined>; synthetic: Set<string> } {
    const request = new Map<string, string | undefined>();
    const synthetic = new Set<string>();
    for (const channel of channels) {
      const cursor = this.#cursors.get(channel);
      if (cursor === undefined && this.#head !== undefined) synthetic.add(channel);
      request.set(channel, cursor ?? this.#head);
    }
    return { request, synthetic };
  }
}
