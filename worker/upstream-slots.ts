/**
 * The hub's two upstream slots. `current` serves the tabs. `next` exists during a switch-over (SSE
 * and long-poll carry a fixed channel set): it opens with the new set and the current cursors,
 * and replaces `current` once open; de-duplication by id absorbs the overlap. An upstream's events
 * reach the hub only while its slot is one of the two, so a replaced or closed upstream's late
 * events are dropped here.
 */
import type { ClientErrorCode, TransportKind } from '../src/hub-protocol/hub-api.js';
import type { ResetNotice, WireMessage } from '../src/protocol/wire.js';
import type { Upstream, UpstreamFactory, UpstreamFailure, UpstreamHandlers, UpstreamRequest } from './transports/types.js';

/** One upstream and the channels it was opened with. */
export interface Slot {
  upstream: Upstream;
  readonly channels: Set<string>;
  /** Channels whose cursor was the hub's head, not a real position: a `$reset` there is noise. */
  readonly synthetic: Set<string>;
}

/** An active slot's upstream events, as the hub handles them. */
export interface SlotEvents {
  open(slot: Slot, head: string | undefined): void;
  message(message: WireMessage): void;
  /** The current upstream is alive (a message or any bytes): feeds the heartbeat watchdog. */
  alive(): void;
  reset(notice: ResetNotice): void;
  subscribed(channel: string, id: string | undefined): void;
  refused(channel: string, code: ClientErrorCode, message: string): void;
  retry(ms: number): void;
  /** The current upstream ended. */
  closed(failure: UpstreamFailure): void;
  /** The next upstream failed before it replaced the current one. */
  switchFailed(failure: UpstreamFailure): void;
}

export class UpstreamSlots {
  current: Slot | undefined;
  next: Slot | undefined;
  readonly #events: SlotEvents;
  readonly #openUpstream: UpstreamFactory;

  constructor(events: SlotEvents, openUpstream: UpstreamFactory) {
    this.#events = events;
    this.#openUpstream = openUpstream;
  }

  /** Opens an upstream in a new slot; the caller puts it in `current` or `next`. */
  open(kind: TransportKind, request: UpstreamRequest, synthetic: Set<string>): Slot {
    const events = this.#events;
    const slot: Slot = { upstream: undefined as unknown as Upstream, channels: new Set(request.channels.keys()), synthetic };
    const active = () => slot === this.current || slot === this.next;
    const handlers: UpstreamHandlers = {
      open: (head) => active() && events.open(slot, head),
      message: (message) => {
        if (!active()) return;
        if (slot === this.current) events.alive();
        events.message(message);
      },
      activity: () => slot === this.current && events.alive(),
      reset: (notice) => active() && !slot.synthetic.has(notice.channel) && events.reset(notice),
      subscribed: (channel, id) => active() && events.subscribed(channel, id),
      refused: (channel, code, message) => active() && events.refused(channel, code, message),
      retry: (ms) => events.retry(ms),
      closed: (failure) => {
        if (slot === this.next) events.switchFailed(failure);
        else if (slot === this.current) events.closed(failure);
      },
    };
    slot.upstream = this.#openUpstream(kind, request, handlers);
    return slot;
  }

  /** Either slot already carries `channel`. */
  carries(channel: string): boolean {
    return (this.current?.channels.has(channel) || this.next?.channels.has(channel)) ?? false;
  }

  /** Switch-over: the new upstream has replayed from our cursors; the old one can go. */
  promote(slot: Slot): void {
    this.current?.upstream.close();
    this.current = slot;
    this.next = undefined;
  }

  dropNext(): void {
    this.next?.upstream.close();
    this.next = undefined;
  }

  closeAll(): void {
    this.current?.upstream.close();
    this.next?.upstream.close();
    this.current = this.next = undefined;
  }
}

/**
 * A WebSocket upstream changes its channel set in place: subscribe frames for what is `wanted`
 * and not carried (from `startOf` the channel's cursor), unsubscribe frames for what is carried
 * and no longer wanted (`left` runs for each).
 */
export function changeInPlace(slot: Slot, wanted: ReadonlySet<string>, startOf: (channel: string) => string | undefined, left: (channel: string) => void): void {
  for (const channel of wanted) {
    if (slot.channels.has(channel)) continue;
    slot.channels.add(channel);
    slot.upstream.subscribe?.(channel, startOf(channel));
  }
  for (const channel of [...slot.channels]) {
    if (wanted.has(channel)) continue;
    slot.channels.delete(channel);
    left(channel);
    slot.upstream.unsubscribe?.(channel);
  }
}
