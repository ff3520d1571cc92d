/**
 * The tab's own view of its channels: handlers, and per channel the last id it delivered. That
 * cursor is the tab's mirror of the hub's: when the hub restarts, the tab re-subscribes from it,
 * and it de-duplicates whatever a resumed upstream sends again.
 */
import { isNewer } from './protocol/event-id-order.js';
import type { WireMessage } from './protocol/wire.js';

export interface Message {
  readonly channel: string;
  /** Resume token of this message (opaque). */
  readonly id: string;
  readonly data: unknown;
}
export type MessageHandler = (message: Message) => void;

export class LocalChannels {
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  readonly #cursors = new Map<string, string>();

  /** True when this is the tab's first handler for `channel`. */
  add(channel: string, handler: MessageHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (handlers) {
      handlers.add(handler);
      return false;
    }
    this.#handlers.set(channel, new Set([handler]));
    return true;
  }

  /** True when `channel` has no handler left (its cursor is forgotten: a new subscription starts from now). */
  remove(channel: string, handler: MessageHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return false;
    this.#handlers.delete(channel);
    this.#cursors.delete(channel);
    return true;
  }

  deliver(message: WireMessage): void {
    const handlers = this.#handlers.get(message.channel);
    if (!handlers || !isNewer(message.id, this.#cursors.get(message.channel))) return;
    this.#cursors.set(message.channel, message.id);
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
