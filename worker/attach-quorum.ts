/**
 * Has every live tab of this hub's name finished attaching here? A fresh one-tab channel
 * (one-tab-router.ts) asks before it hands anything out: it must know every tab's one-tab mark
 * first, and the tabs of a restarted hub come back one by one.
 *
 * The live tabs of a name are the holders of the liveness locks named after it
 * (src/hub-protocol/one-tab.ts), which `navigator.locks.query()` lists (Web Locks §"query"). A
 * tab has finished attaching once its lifecycle report came: a tab sends it after its
 * subscriptions (HubApi.lifecycle), and one port keeps a tab's calls in order.
 */
import type { LocksLike } from './platform.js';
import type { HubOptions } from './hub-options.js';
import { hubName, tabLockPrefix } from '../src/hub-protocol/one-tab.js';

export class AttachQuorum {
  readonly #query: NonNullable<LocksLike['query']>;
  readonly #prefix: string;
  /** Tab id → the name of its liveness lock. */
  readonly #locks = new Map<string, string>();
  /** Tabs whose attach is complete. */
  readonly #attached = new Set<string>();

  constructor(query: NonNullable<LocksLike['query']>, prefix: string) {
    this.#query = query;
    this.#prefix = prefix;
  }

  add(tabId: string, lockName: string | undefined): void {
    if (lockName !== undefined) this.#locks.set(tabId, lockName);
  }

  /** The tab's lifecycle report came: its subscriptions are all here. */
  attached(tabId: string): void {
    this.#attached.add(tabId);
  }

  remove(tabId: string): void {
    this.#locks.delete(tabId);
    this.#attached.delete(tabId);
  }

  /** Live tabs of this name that have not finished attaching here (not yet, or to another hub of the name). */
  async missing(): Promise<number> {
    const { held = [] } = await this.#query();
    const here = new Set([...this.#attached].map((tabId) => this.#locks.get(tabId)));
    return new Set(held.flatMap(({ name }) => (name?.startsWith(this.#prefix) && !here.has(name) ? [name] : []))).size;
  }
}

/**
 * The quorum of a hub, or none: a `direct` hub serves its own tab alone (other tabs of the name
 * have hubs of their own), and without Web Locks' `query` no live tab can be counted.
 */
export function attachQuorumFor({ host, platform, config }: Pick<HubOptions, 'host' | 'platform' | 'config'>): AttachQuorum | undefined {
  const query = platform.locks?.query?.bind(platform.locks);
  return host !== 'direct' && query ? new AttachQuorum(query, tabLockPrefix(hubName(config.transport, config.url))) : undefined;
}
