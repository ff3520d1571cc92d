/**
 * A WebSocket's channels: one feed each (feed.ts), so a channel added or dropped never disturbs
 * the others. `subscribe` replays after the frame's `lastEventId` (replay.ts), answers
 * `subscribed` with the head, then passes live messages; subscribing again restarts the channel
 * from its new cursor.
 */
import type { WsServerFrame } from '../src/protocol/wire.js';
import { checkSubscribe } from './auth.js';
import type { Credentials, Grant } from './auth.js';
import { matchesAny } from './channel-patterns.js';
import type { ConnectionTeardown } from './connection-teardown.js';
import type { ServerContext } from './context.js';
import { PushError } from './errors.js';
import { Feed } from './feed.js';
import type { FeedSink } from './feed.js';
import { replayPageSize, resetNotice, writeReplay } from './replay.js';
import type { WsFramePart } from './ws-frame.js';
import { parseCursor } from './stream-request.js';

export interface WsSubscriptionsLink {
  readonly teardown: ConnectionTeardown;
  send(frame: WsServerFrame | WsFramePart): void;
  /** The connection's writer: live messages go straight to it, one indirection less per delivery. */
  readonly frames: FeedSink;
  /** Sends a replayed frame; once the socket holds `backlog` bytes, a promise for its drain. */
  sendPaced(frame: WsFramePart, backlog: number): Promise<void> | undefined;
  /** The client reads slower than its channels publish: cut it. */
  drop(): void;
}

export class WsSubscriptions {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly context: ServerContext,
    private readonly link: WsSubscriptionsLink,
  ) {
    link.teardown.onEnd(() => {
      for (const feed of this.feeds.values()) feed.close();
      this.feeds.clear();
    });
  }

  get size(): number {
    return this.feeds.size;
  }

  async subscribe(channel: string, lastEventId: string | undefined, credentials: Credentials): Promise<void> {
    const { context, link } = this;
    const { options } = context;
    checkSubscribe(context.auth, credentials, [channel]);
    const after = parseCursor(lastEventId, 'lastEventId');
    this.feeds.get(channel)?.close(); // a re-subscribe restarts from its new cursor
    if (!this.feeds.has(channel) && this.feeds.size >= options.maxChannelsPerStream) {
      throw new PushError('TABMUX_ERR_TOO_MANY_CHANNELS', `a connection may hold at most ${options.maxChannelsPerStream} channels`);
    }
    const feed = new Feed({
      registry: context.registry,
      broker: context.broker,
      requests: [{ channel, after }],
      sink: link.frames,
      maxBufferedBytes: options.maxBufferedBytes,
      onOverflow: () => {
        context.metrics.slowConsumersDropped++;
        link.drop();
      },
      onReset: (gap) => link.send({ op: 'reset', ...resetNotice(gap) }),
      pageSize: replayPageSize(options.maxMessageSize),
    });
    this.feeds.set(channel, feed);
    let result;
    try {
      result = await feed.open();
    } catch (error) {
      if (this.feeds.get(channel) === feed) this.feeds.delete(channel);
      throw error;
    }
    await writeReplay(context, feed, result, {
      ended: () => link.teardown.ended,
      reset: (gap) => link.send({ op: 'reset', ...resetNotice(gap) }),
      // Past half the bound, wait for the socket: the other half is room for this socket's other
      // channels, live meanwhile, before it counts as a slow consumer.
      write: (message) => link.sendPaced(message.ws, options.maxBufferedBytes / 2),
      opened: (head) => link.send({ op: 'subscribed', channel, id: head }),
      drop: () => link.drop(),
    });
  }

  unsubscribe(channel: string): void {
    this.feeds.get(channel)?.close();
    this.feeds.delete(channel);
  }

  /** A narrower token: channels it no longer allows are dropped, each with a 403. */
  keepAllowed(grant: Grant): void {
    for (const [channel, feed] of this.feeds) {
      if (matchesAny(grant.subscribe, channel)) continue;
      feed.close();
      this.feeds.delete(channel);
      this.context.metrics.authRefusals.forbidden++;
      this.link.send({ op: 'error', code: 'TABMUX_ERR_FORBIDDEN', message: `the new token does not allow subscribing to ${channel}`, channel });
    }
  }
}
