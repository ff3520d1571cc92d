/**
 * Which channels the upstream carries live, and the subscribe calls waiting for theirs. A
 * subscribe answers `ok` only once every message published after it will be delivered: its
 * channel is on an upstream that opened (replay done) or that confirmed it (WebSocket
 * `subscribed`), and the hub is `open`.
 */
import type { HubResult } from '../src/hub-protocol/hub-api.js';

type Answer = (result: HubResult<object>) => void;

export class LiveChannels {
  readonly #live = new Set<string>();
  /** Subscribe calls waiting for their channel to be live. */
  readonly #waiters = new Map<string, Answer[]>();
  readonly #hubOpen: () => boolean;

  constructor(hubOpen: () => boolean) {
    this.#hubOpen = hubOpen;
  }

  has(channel: string): boolean {
    return this.#hubOpen() && this.#live.has(channel);
  }

  mark(channel: string): void {
    this.#live.add(channel);
    const waiters = this.#waiters.get(channel);
    if (!waiters || !this.has(channel)) return;
    this.#waiters.delete(channel);
    for (const resolve of waiters) resolve({ ok: true });
  }

  /** `rewinding`: the upstream is about to reopen from an older cursor; live counts after that. */
  when(channel: string, resolve: Answer, rewinding: boolean): void {
    if (this.has(channel) && !rewinding) return resolve({ ok: true });
    const waiters = this.#waiters.get(channel) ?? [];
    waiters.push(resolve);
    this.#waiters.set(channel, waiters);
  }

  /** Nobody waits for a channel that will not come: answer the calls still pending. */
  abandon(channel: string): void {
    for (const resolve of this.#waiters.get(channel) ?? []) resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'unsubscribed before the channel was live' });
    this.#waiters.delete(channel);
  }

  delete(channel: string): void {
    this.#live.delete(channel);
  }

  /** No upstream, or a new one: every channel waits for it. */
  clear(): void {
    this.#live.clear();
  }
}
