/**
 * Fakes for the hub's unit tests: a clock driven by the test, an upstream factory that records
 * what the hub opened and lets the test play the server, and tab sinks that record batches.
 * The hub under test is the real one (worker/hub.ts); only its platform is fake.
 */
import { Hub, type HubOptions } from '../../worker/hub.js';
import type { Clock, Platform, TimerId } from '../../worker/platform.js';
import type { Upstream, UpstreamHandlers, UpstreamRequest } from '../../worker/transports/types.js';
import type { HubBatch, HubEvent, TransportKind, TransportOption } from '../../src/hub-protocol/hub-api.js';

export class FakeClock implements Clock {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id as unknown as TimerId;
  }
  clearTimeout(id: TimerId): void {
    this.#timers.delete(id as unknown as number);
  }
  /** Advances time, firing due timers in order (timers they set are honoured too). */
  async tick(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
      await flush();
    }
    this.#now = until;
    await flush();
  }
  get pending(): number {
    return this.#timers.size;
  }
}

/** Lets queued microtasks (the outboxes' flushes) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export interface FakeUpstream extends Upstream {
  readonly kind: TransportKind;
  readonly request: UpstreamRequest;
  readonly handlers: UpstreamHandlers;
  closed: boolean;
  readonly frames: string[];
}

export class FakeServer {
  readonly opened: FakeUpstream[] = [];
  get last(): FakeUpstream {
    const upstream = this.opened.at(-1);
    if (!upstream) throw new Error('no upstream was opened');
    return upstream;
  }
  get live(): FakeUpstream[] {
    return this.opened.filter((upstream) => !upstream.closed);
  }
  open = (kind: TransportKind, request: UpstreamRequest, handlers: UpstreamHandlers): Upstream => {
    const upstream: FakeUpstream = {
      kind,
      request,
      handlers,
      closed: false,
      frames: [],
      close() {
        upstream.closed = true;
      },
      ...(kind === 'ws' && {
        subscribe(channel: string, cursor: string | undefined) {
          upstream.frames.push(`subscribe ${channel} ${cursor ?? '-'}`);
        },
        unsubscribe(channel: string) {
          upstream.frames.push(`unsubscribe ${channel}`);
        },
      }),
    };
    this.opened.push(upstream);
    return upstream;
  };
}

export class FakeTab {
  readonly batches: HubEvent[][] = [];
  constructor(readonly id: string) {}
  postMessage(batch: HubBatch): void {
    this.batches.push([...batch.events]);
  }
  get events(): HubEvent[] {
    return this.batches.flat();
  }
  /** `channel:id` of every message delivered, in order. */
  get messages(): string[] {
    return this.events.flatMap((e) => (e.type === 'message' ? [`${e.channel}:${e.id}`] : []));
  }
  get states(): string[] {
    return this.events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
  }
}

export function makeHub(transport: TransportOption = 'sse', extra: Partial<HubOptions> = {}, platformExtra: Partial<Platform> = {}) {
  const clock = new FakeClock();
  const server = new FakeServer();
  let onlineListener: (() => void) | undefined;
  const platform: Platform = {
    fetch: () => Promise.reject(new Error('no fetch in this test')),
    webSocket: () => {
      throw new Error('no WebSocket in this test');
    },
    clock,
    random: () => 0.5,
    onOnline: (listener) => {
      onlineListener = listener;
      return () => (onlineListener = undefined);
    },
    ...platformExtra,
  };
  const hub = new Hub({ host: 'direct', config: { url: 'http://push.test', transport }, platform, openUpstream: server.open, lingerMs: 1000, coalesceMs: 10, ...extra });
  const tab = (id: string) => {
    const fake = new FakeTab(id);
    hub.addTab(id, fake);
    return fake;
  };
  return { hub, clock, server, tab, goOnline: () => onlineListener?.() };
}

/** An id of epoch `e1` with sequence `seq` (event-id.ts). */
export const id = (seq: number, epoch = 'e1') => `${epoch}-${seq.toString(36)}`;
