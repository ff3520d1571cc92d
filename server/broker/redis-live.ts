/**
 * Live delivery for one node: ONE pub/sub connection, one Redis subscription per channel however
 * many local listeners it has, so a message crosses Redis once per node (the server then encodes
 * it once per transport).
 *
 * Pub/sub is at-most-once: whatever is published while this node's subscriber connection is down
 * is gone from pub/sub. So every channel remembers the last seq it delivered (its cursor), and when
 * the connection is back the node re-subscribes FIRST and only then reads the streams after those
 * cursors. Live messages that arrive meanwhile are buffered and delivered after the catch-up,
 * de-duplicated by seq: nothing lost, nothing twice, and the one global seq order kept across
 * channels (a stream of several channels resumes from one id: README, Endpoints, Resume).
 */
import type { Redis } from 'ioredis';
import type { EventId } from '../../src/protocol/event-id.js';
import type { MessageListener, ReplayRequest, ReplayResult, StoredMessage } from './broker.js';
import { brokerUnavailable, isBrokerUnavailable } from './errors.js';
import { decodeLive } from './redis-codec.js';
import type { RedisKeys } from './redis-scripts.js';

interface ChannelState {
  readonly listeners: Set<MessageListener>;
  /** Settles when the channel's first SUBSCRIBE and cursor are in place. */
  ready: Promise<void>;
  /** Newest message delivered (or the head when subscribed): where a catch-up starts. */
  cursor: EventId | undefined;
  /** Live messages held back while a catch-up reads the streams. */
  buffer: StoredMessage[] | undefined;
}

export interface LiveDeps {
  readonly sub: Redis;
  readonly keys: RedisKeys;
  readonly head: () => Promise<EventId>;
  readonly replay: (requests: readonly ReplayRequest[]) => Promise<ReplayResult>;
}

export interface Live {
  subscribe(channel: string, listener: MessageListener): Promise<void>;
  unsubscribe(channel: string, listener: MessageListener): void;
  /**
   * Called when both connections are ready again (the catch-up needs the command connection too):
   * re-subscribes and catches up if the subscriber connection was lost since the last time.
   */
  resume(): void;
  /** Channels with at least one local listener (one Redis subscription each). */
  readonly channelCount: number;
  close(): void;
}

export function createLive({ sub, keys, head, replay }: LiveDeps): Live {
  const channels = new Map<string, ChannelState>();
  /** Bumped whenever the subscriber connection closes: work begun on an older one is void. */
  let generation = 0;
  let closed = false;

  const deliver = (state: ChannelState, message: StoredMessage): void => {
    const cursor = state.cursor;
    // Same epoch and not newer: the catch-up already delivered it (or it predates the subscribe).
    if (cursor && cursor.epoch === message.epoch && message.seq <= cursor.seq) return;
    state.cursor = { epoch: message.epoch, seq: message.seq };
    for (const listener of [...state.listeners]) {
      try {
        listener(message);
      } catch {
        // A listener's failure is its own; the others still get the message (as memory.ts does).
      }
    }
  };

  sub.on('message', (name: string, payload: string) => {
    const channel = keys.channelOfLive(name);
    const state = channel === undefined ? undefined : channels.get(channel);
    if (!state || channel === undefined) return;
    const message = decodeLive(channel, payload);
    if (!message) return;
    if (state.buffer) state.buffer.push(message);
    else deliver(state, message);
  });

  let needsCatchUp = false;
  sub.on('close', () => {
    generation++;
    needsCatchUp = true;
  });

  /** After a reconnect: re-subscribe every channel, then replay each from its cursor. */
  async function catchUp(gen: number): Promise<void> {
    const resumable = [...channels].filter(([, state]) => state.cursor !== undefined);
    needsCatchUp = false;
    if (resumable.length === 0) return;
    for (const [, state] of resumable) state.buffer ??= [];
    try {
      await sub.subscribe(...resumable.map(([channel]) => keys.live(channel)));
      const { messages } = await replay(resumable.map(([channel, state]) => ({ channel, after: state.cursor })));
      if (gen !== generation || closed) return; // dropped again: the next resume() starts over
      for (const message of messages) {
        const state = channels.get(message.channel);
        if (state) deliver(state, message);
      }
      // The held live messages of every channel, merged back into the one global seq order
      // pub/sub gave them: flushed channel by channel, a stream of several channels would get
      // A's 12 before B's 11, and a client cut after 12 would resume past 11 and never see it.
      const held: StoredMessage[] = [];
      for (const [, state] of resumable) {
        held.push(...(state.buffer ?? []));
        state.buffer = undefined;
      }
      held.sort((a, b) => a.seq - b.seq);
      for (const message of held) {
        const state = channels.get(message.channel);
        if (state) deliver(state, message);
      }
    } catch {
      // A connection dropped during the catch-up; buffers stay and the next resume() retries.
      needsCatchUp = true;
    }
  }

  async function start(channel: string, state: ChannelState): Promise<void> {
    const gen = generation;
    try {
      await sub.subscribe(keys.live(channel));
      // The head read AFTER the subscription took effect: every later message reaches us live, and
      // a catch-up from here misses nothing published after subscribe() resolved.
      const now = await head();
      if (gen !== generation) throw brokerUnavailable('lost the connection to Redis while subscribing');
      const cursor = state.cursor;
      if (!cursor || cursor.epoch !== now.epoch || cursor.seq < now.seq) state.cursor = now;
    } catch (error) {
      if (channels.get(channel) === state) {
        channels.delete(channel);
        sub.unsubscribe(keys.live(channel)).catch(() => {});
      }
      throw isBrokerUnavailable(error) ? error : brokerUnavailable('Redis is unreachable: cannot subscribe');
    }
  }

  return {
    async subscribe(channel, listener) {
      if (closed) throw brokerUnavailable('broker is closed');
      let state = channels.get(channel);
      if (!state) {
        state = { listeners: new Set(), ready: Promise.resolve(), cursor: undefined, buffer: undefined };
        channels.set(channel, state);
        state.ready = start(channel, state);
      }
      state.listeners.add(listener);
      try {
        await state.ready;
      } catch (error) {
        state.listeners.delete(listener);
        throw error;
      }
    },

    unsubscribe(channel, listener) {
      const state = channels.get(channel);
      if (!state || !state.listeners.delete(listener) || state.listeners.size > 0) return;
      channels.delete(channel);
      // Commands on one connection run in order, so a later SUBSCRIBE of this channel wins.
      sub.unsubscribe(keys.live(channel)).catch(() => {});
    },

    resume() {
      if (needsCatchUp && !closed) void catchUp(generation);
    },

    get channelCount() {
      return channels.size;
    },

    close() {
      closed = true;
      channels.clear();
    },
  };
}
