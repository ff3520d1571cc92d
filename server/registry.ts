/**
 * The node's channel registry: each channel is subscribed at the broker ONCE, however many local
 * streams want it (ref-counted), and each message is wrapped once in an EncodedMessage that every
 * local subscriber writes from, so the frame bytes are built once per transport, not per client.
 */
import type { Broker, MessageListener } from './broker/broker.js';
import { EncodedMessage } from './encode.js';
import type { ServerLog } from './logger.js';
import { ChannelRate } from './rate-sampler.js';

export interface LocalSubscriber {
  receive(message: EncodedMessage): void;
}

interface Entry {
  readonly subscribers: Set<LocalSubscriber>;
  readonly listener: MessageListener;
  /** Settles when the broker subscription is in place (see Broker.subscribe). */
  readonly ready: Promise<void>;
  /** Messages received lately, for the status page; absent when it is off. */
  readonly rate: ChannelRate | undefined;
}

/** One channel held by this node, as the status page shows it. */
export interface ChannelStats {
  readonly channel: string;
  /** Local streams (SSE, poll, WebSocket subscriptions) that want it. */
  readonly subscribers: number;
  /** Messages per second lately (0 when rates are not counted). */
  readonly perSecond: number;
}

export class ChannelRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly broker: Broker,
    private readonly logger: ServerLog,
    /** Count each channel's message rate (the status page is on). */
    private readonly countRates = false,
  ) {}

  /** Resolves once `subscriber` gets every message of `channel` published from now on. */
  async add(channel: string, subscriber: LocalSubscriber): Promise<void> {
    let entry = this.entries.get(channel);
    if (!entry) {
      const subscribers = new Set<LocalSubscriber>();
      const rate = this.countRates ? new ChannelRate() : undefined;
      const listener: MessageListener = (message) => {
        rate?.count();
        const encoded = new EncodedMessage(message);
        // The live set, not a copy (10,000 subscribers: an array of 10,000 per message): a subscriber
        // dropped during fan-out (slow consumer) deletes itself, and a Set's iteration skips what was
        // deleted before it was reached, and does not revisit; nothing joins during the loop, as
        // subscribers are added by requests, never by a delivery.
        for (const sub of subscribers) {
          try {
            sub.receive(encoded);
          } catch (error) {
            this.logger.error('subscriber failed to take a message', { channel, error });
          }
        }
      };
      entry = { subscribers, listener, ready: this.broker.subscribe(channel, listener), rate };
      this.entries.set(channel, entry);
    }
    entry.subscribers.add(subscriber);
    try {
      await entry.ready;
    } catch (error) {
      this.remove(channel, subscriber);
      throw error;
    }
  }

  remove(channel: string, subscriber: LocalSubscriber): void {
    const entry = this.entries.get(channel);
    if (!entry || !entry.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
    this.entries.delete(channel);
    // Unsubscribe only after the subscribe settled, or the broker would re-add a dead listener.
    entry.ready.then(
      () => this.broker.unsubscribe(channel, entry.listener),
      () => {},
    );
  }

  /** Channels held at the broker now. */
  get size(): number {
    return this.entries.size;
  }

  *stats(): IterableIterator<ChannelStats> {
    for (const [channel, entry] of this.entries) {
      yield { channel, subscribers: entry.subscribers.size, perSecond: entry.rate?.perSecond() ?? 0 };
    }
  }
}
