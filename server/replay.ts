/**
 * Writing a feed's replay to a streaming client (SSE and WebSocket; a poll answers its replay in
 * one body instead, bounded by maxBufferedBytes). Step 3 of feed.ts: after `feed.open()`, the
 * gaps, the messages, the transport's "open" marker, then `feed.goLive()`.
 *
 * The replay may be far larger than maxBufferedBytes (history × message size): it is written at
 * the client's pace, waiting for the transport's buffer to drain, instead of counting as a slow
 * consumer — or a client resuming a long history would be dropped, reconnect with the same
 * cursor, and be dropped again, forever.
 */
import type { EventEmitter } from 'node:events';
import { formatEventId } from '../src/protocol/event-id.js';
import type { ResetNotice } from '../src/protocol/wire.js';
import type { ReplayResult } from './broker/broker.js';
import type { ServerContext } from './context.js';
import { EncodedMessage } from './encode.js';
import type { Feed } from './feed.js';

/** What every transport tells a client whose cursor the history no longer reaches. */
export function resetNotice(channel: string): ResetNotice {
  return {
    channel,
    code: 'TABMUX_ERR_HISTORY_GAP',
    message: 'the history no longer reaches your cursor (or it is from an earlier server run): messages may have been missed',
  };
}

export interface ReplaySink {
  /** The connection ended: write nothing more. */
  ended(): boolean;
  /** A channel of `result.gaps`: messages may have been missed before its replay. */
  reset(channel: string): void;
  /** Writes one replayed message; a promise when the client must catch up before the next one. */
  write(message: EncodedMessage): Promise<void> | undefined;
  /** The replay is written; `head` is the broker's head it was read at (a cursor). */
  opened(head: string): void;
}

/** Writes an opened feed's replay through `sink`, then lets its live messages through. */
export async function writeReplay(context: ServerContext, feed: Feed, result: ReplayResult, sink: ReplaySink): Promise<void> {
  const stopped = (): boolean => sink.ended() || feed.closed;
  if (stopped()) return;
  for (const channel of result.gaps) sink.reset(channel);
  for (const message of result.messages) {
    if (stopped()) return;
    context.metrics.delivered++;
    const paced = sink.write(new EncodedMessage(message));
    if (paced) await paced;
  }
  if (stopped()) return;
  sink.opened(formatEventId(result.head.epoch, result.head.seq));
  feed.goLive();
}

/** A promise for the stream's 'drain' (the client caught up) or 'close' (it is gone). */
export function drained(stream: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
