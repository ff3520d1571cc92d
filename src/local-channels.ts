/**
 * The tab's own view of its channels of one delivery (connect.ts keeps one for every-tab and one
 * for one-tab subscriptions): handlers, the subscription's `ready`, and per channel the last id it
 * delivered. That cursor is the tab's mirror of the hub's: when the hub restarts, the tab
 * re-subscribes from it, and it de-duplicates whatever a resumed upstream sends again. For one-tab
 * subscriptions it is the one-tab mark: the last message handled by any tab (README, One tab
 * per message).
 */
import { isNewer } from './protocol/event-id-order.js';
import type { WireMessage } from './protocol/wire.js';
import type { Delivery } from './hub-protocol/hub-api.js';
import { deferred, type Ready } from './ready.js';

/** One delivered message; `T` is the type of the published data (README, Typed channels). */
export interface Message<T = unknown> {
  readonly channel: string;
  /** Resume token of this message (opaque). */
  readonly id: string;
  readonly data: T;
}
export type MessageHandler<T = unknown> = (message: Message<T>) => void;

export class LocalChannels {
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  readonly #cursors = new Map<string, string>();
  readonly #ready = new Map<string, Ready>();

  constructor(readonly delivery: Delivery) {}

  /** True when this is the tab's first handler for `channel` (its `ready` starts afresh). */
  add(channel: string, handler: MessageHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (handlers) {
      handlers.add(handler);
      return false;
    }
    this.#handlers.set(channel, new Set([handler]));
    this.#ready.set(channel, deferred());
    return true;
  }

  /** True when `channel` has no handler left (its cursor is forgotten: a new subscription starts from now). */
  remove(channel: string, handler: MessageHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return false;
    this.#handlers.delete(channel);
    this.#cursors.delete(channel);
    this.#ready.delete(channel);
    return true;
  }

  /** The subscription's `ready`, while `channel` has handlers. */
  ready(channel: string): Ready | undefined {
    return this.#ready.get(channel);
  }

  /** Runs the channel's handlers once per id; true when the channel has handlers here (the message was theirs, now or before). */
  deliver(message: WireMessage): boolean {
    const handlers = this.#handlers.get(message.channel);
    if (handlers && this.seen(message.channel, message.id)) {
      const frozen: Message = Object.freeze({ channel: message.channel, id: message.id, data: message.data });
      for (const handler of [...handlers]) {
        try {
          handler(frozen);
        } catch (error) {
          // One failing handler must not starve the others; surface it like an uncaught error.
          surface(error);
        }
      }
    }
    return !!handlers;
  }

  /** Moves the cursor of a channel with handlers to `id` if that is newer; true if it moved. */
  seen(channel: string, id: string): boolean {
    const fresh = this.#handlers.has(channel) && isNewer(id, this.#cursors.get(channel));
    if (fresh) this.#cursors.set(channel, id);
    return fresh;
  }

  /** Channel → cursor, for re-subscribing after the hub restarted. */
  entries(): Array<[string, string | undefined]> {
    return [...this.#handlers.keys()].map((channel) => [channel, this.#cursors.get(channel)]);
  }

  cursor(channel: string): string | undefined {
    return this.#cursors.get(channel);
  }
}

/** Reports an error from user code the way an uncaught one would be, without stopping the caller. */
export function surface(error: unknown): void {
  if (typeof reportError === 'function') reportError(error);
  else
    queueMicrotask(() => {
      throw error;
    });
}
