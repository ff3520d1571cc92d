/**
 * Gapless subscription of one stream to some channels (shared by SSE, WebSocket and poll):
 *
 *  1. subscribe the live listener first, buffering what it receives;
 *  2. read the replay (everything retained after each channel's cursor, and the broker's head);
 *  3. the transport writes the replay and its "open" marker;
 *  4. `goLive()` flushes the buffered live messages the replay did not cover, then passes new ones.
 *
 * Per channel a floor id is kept: a message is written only when its seq is above it, which
 * drops the overlap between replay and live (de-duplication by seq) and keeps each channel's
 * messages in increasing seq, never twice. A message of a LATER epoch (the broker lost its history,
 * e.g. a wiped Redis, and seqs restarted) is not compared by seq: it starts a new floor, and the
 * client is told first (`onReset`), since messages may have been lost with the old history.
 */
import type { Broker, ReplayRequest, ReplayResult } from './broker/broker.js';
import type { EncodedMessage } from './encode.js';
import type { EventId } from '../src/protocol/event-id.js';
import type { ChannelRegistry, LocalSubscriber } from './registry.js';
import { isLaterEpoch } from './stream-request.js';

type FeedState = 'buffering' | 'live' | 'closed';

export interface FeedSink {
  deliver(message: EncodedMessage): void;
}

export interface FeedOptions {
  readonly registry: ChannelRegistry;
  readonly broker: Broker;
  readonly requests: readonly ReplayRequest[];
  /**
   * Writes each live message to the client. An object with a method, not a closure: the
   * transports pass their writer itself (write-batch.ts), one object less to reach per delivery.
   */
  readonly sink: FeedSink;
  /** Most bytes of live messages held while the replay is written; past it, `onOverflow`. */
  readonly maxBufferedBytes?: number;
  /** The client reads its replay slower than its channels publish: the transport drops it. */
  readonly onOverflow?: () => void;
  /** A live message of a later epoch is about to be delivered on `channel`: tell the client. */
  readonly onReset?: (channel: string) => void;
  /** Messages per replay page (replay.ts); default: the whole replay at once. */
  readonly pageSize?: number;
}

export class Feed implements LocalSubscriber {
  private state: FeedState = 'buffering';
  /** Live messages held while the replay is written (made with the first one). */
  private buffered: EncodedMessage[] | undefined;
  private bufferedBytes = 0;
  private readonly channels: string[];
  /**
   * The first channel's floor, in fields: most feeds have one channel, and at 10,000 subscribers
   * each array read on a delivery is one more object (one more cache miss) per subscriber. The
   * epoch is undefined until open().
   */
  private readonly firstChannel: string;
  private firstEpoch: string | undefined;
  private firstSeq = 0;
  /**
   * The other channels' floors of a feed of several (same index as `channels`; slot 0 unused),
   * kept as two arrays updated in place: no object per delivered message, no Map per idle
   * subscriber. Empty for a one-channel feed.
   */
  private readonly floorEpochs: (string | undefined)[];
  private readonly floorSeqs: number[];
  /** channel → index, for a feed of several channels. */
  private readonly indexOf: Map<string, number> | undefined;
  private readonly registry: ChannelRegistry;
  private readonly broker: Broker;
  private readonly requests: readonly ReplayRequest[];
  private readonly sink: FeedSink;
  private readonly maxBufferedBytes: number;
  private readonly onOverflow: () => void;
  private readonly onReset: (channel: string) => void;
  private readonly pageSize: number | undefined;

  constructor(options: FeedOptions) {
    this.registry = options.registry;
    this.broker = options.broker;
    this.requests = options.requests;
    this.sink = options.sink;
    this.maxBufferedBytes = options.maxBufferedBytes ?? Infinity;
    this.onOverflow = options.onOverflow ?? (() => {});
    this.onReset = options.onReset ?? (() => {});
    this.channels = options.requests.map((r) => r.channel);
    this.firstChannel = this.channels[0] ?? '';
    this.indexOf = this.channels.length > 1 ? new Map(this.channels.map((channel, i) => [channel, i])) : undefined;
    // Read only through indexOf: a one-channel feed (every WebSocket subscription) keeps none.
    this.floorEpochs = this.indexOf ? this.channels.map(() => undefined) : [];
    this.floorSeqs = this.indexOf ? this.channels.map(() => 0) : [];
    this.pageSize = options.pageSize;
  }

  /** The replay page after message `seq`, for every channel with a cursor; `head` is the first page's. */
  nextPage(head: EventId, seq: number): Promise<ReplayResult> {
    const { epoch } = head;
    const requests: ReplayRequest[] = [];
    for (const { channel, after } of this.requests) {
      if (after === undefined) continue; // no cursor: no replay
      // A cursor of this epoch past `seq` still holds: its client has what lies before it.
      const from = after.epoch === epoch && after.seq > seq && after.seq <= head.seq ? after.seq : seq;
      requests.push({ channel, after: { epoch, seq: from } });
    }
    return this.broker.replay(requests, this.pageSize);
  }

  /** Steps 1 and 2. The replay's messages are the transport's to write. */
  async open(): Promise<ReplayResult> {
    let result: ReplayResult;
    try {
      await Promise.all(this.channels.map((channel) => this.registry.add(channel, this)));
      result = await this.broker.replay(this.requests, this.pageSize);
    } catch (error) {
      // Broker down: release the channels, or this feed would buffer live messages forever.
      this.close();
      throw error;
    }
    // The replay covers every message up to the head; live messages at or below it are repeats.
    this.firstEpoch = result.head.epoch;
    this.firstSeq = result.head.seq;
    this.floorEpochs.fill(result.head.epoch);
    this.floorSeqs.fill(result.head.seq);
    return result;
  }

  /** Step 4. */
  goLive(): void {
    if (this.state !== 'buffering') return;
    this.state = 'live';
    const buffered = this.buffered;
    this.buffered = undefined;
    this.bufferedBytes = 0;
    if (buffered) for (const message of buffered) this.pass(message);
  }

  receive(message: EncodedMessage): void {
    switch (this.state) {
      case 'buffering':
        (this.buffered ??= []).push(message);
        this.bufferedBytes += message.message.json.length;
        if (this.bufferedBytes > this.maxBufferedBytes) {
          this.close();
          this.onOverflow();
        }
        return;
      case 'live':
        this.pass(message);
        return;
      case 'closed':
        return;
      default: {
        const never: never = this.state;
        throw new Error(`unknown feed state ${String(never)}`);
      }
    }
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.buffered = undefined;
    this.bufferedBytes = 0;
    for (const channel of this.channels) this.registry.remove(channel, this);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  private pass(message: EncodedMessage): void {
    const { channel } = message;
    const { epoch, seq } = message.message;
    if (channel === this.firstChannel) {
      if (!this.admits(channel, epoch, seq, this.firstEpoch, this.firstSeq)) return;
      this.firstEpoch = epoch;
      this.firstSeq = seq;
    } else {
      const i = this.indexOf?.get(channel);
      if (i === undefined || !this.admits(channel, epoch, seq, this.floorEpochs[i], this.floorSeqs[i]!)) return;
      this.floorEpochs[i] = epoch;
      this.floorSeqs[i] = seq;
    }
    this.sink.deliver(message);
  }

  /** Whether a message is above its channel's floor; one of a later epoch first tells the client. */
  private admits(channel: string, epoch: string, seq: number, floorEpoch: string | undefined, floorSeq: number): boolean {
    if (floorEpoch === undefined) return false; // not open yet
    if (epoch === floorEpoch) return seq > floorSeq;
    if (!isLaterEpoch(epoch, floorEpoch)) return false; // a straggler from the history the broker no longer has
    this.onReset(channel);
    return true;
  }
}
