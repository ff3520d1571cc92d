/**
 * The channels the hub's upstream should carry: those a tab wants, and those lingering after the
 * last tab let go. A channel unwanted and wanted again within the linger (a tab reloading, a
 * component remounting) stays on the upstream, so no reconnect and no replay is paid for it.
 */
import type { Clock, TimerId } from './platform.js';

export class WantedChannels extends Set<string> {
  readonly #linger = new Map<string, TimerId>();

  constructor(
    private readonly clock: Clock,
    private readonly lingerMs: number,
  ) {
    super();
  }

  /** A tab wants `channel`: it is carried, and any linger ends. */
  want(channel: string): void {
    this.#stopLinger(channel);
    this.add(channel);
  }

  /**
   * No tab of one kind wants `channel` any more: it is dropped after the linger, unless
   * `stillWanted()` says a tab (of either kind) wants it by then; `dropped` runs after it is.
   */
  lingerThenDrop(channel: string, stillWanted: () => boolean, dropped: () => void): void {
    this.#stopLinger(channel);
    this.#linger.set(
      channel,
      this.clock.setTimeout(() => {
        this.#linger.delete(channel);
        if (stillWanted()) return;
        this.delete(channel);
        dropped();
      }, this.lingerMs),
    );
  }

  /** Stops every linger timer (the hub closes). */
  close(): void {
    for (const timer of this.#linger.values()) this.clock.clearTimeout(timer);
    this.#linger.clear();
  }

  #stopLinger(channel: string): void {
    const timer = this.#linger.get(channel);
    if (timer === undefined) return;
    this.clock.clearTimeout(timer);
    this.#linger.delete(channel);
  }
}
