/**
 * Which tab wants which channel, reference-counted: the upstream carries a channel while at least
 * one tab wants it. Pure bookkeeping; the hub decides when a channel really leaves the upstream.
 */
export class Interests {
  readonly #byChannel = new Map<string, Set<string>>();
  readonly #byTab = new Map<string, Set<string>>();

  /** True when no tab wanted `channel` before. */
  add(tabId: string, channel: string): boolean {
    let tabs = this.#byChannel.get(channel);
    const fresh = !tabs;
    if (!tabs) this.#byChannel.set(channel, (tabs = new Set()));
    tabs.add(tabId);
    let channels = this.#byTab.get(tabId);
    if (!channels) this.#byTab.set(tabId, (channels = new Set()));
    channels.add(channel);
    return fresh;
  }

  /** True when no tab wants `channel` any more. */
  remove(tabId: string, channel: string): boolean {
    this.#byTab.get(tabId)?.delete(channel);
    const tabs = this.#byChannel.get(channel);
    if (!tabs || !tabs.delete(tabId)) return false;
    if (tabs.size > 0) return false;
    this.#byChannel.delete(channel);
    return true;
  }

  /** Forgets a tab; returns the channels nobody wants any more. */
  removeTab(tabId: string): string[] {
    const orphans: string[] = [];
    for (const channel of this.#byTab.get(tabId) ?? []) if (this.remove(tabId, channel)) orphans.push(channel);
    this.#byTab.delete(tabId);
    return orphans;
  }

  tabsOf(channel: string): ReadonlySet<string> {
    return this.#byChannel.get(channel) ?? new Set();
  }

  wants(tabId: string, channel: string): boolean {
    return this.#byTab.get(tabId)?.has(channel) ?? false;
  }

  channels(): string[] {
    return [...this.#byChannel.keys()];
  }
}

/** Two channel sets hold the same channels (an upstream already carries what is wanted). */
export function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
