/**
 * Writing a feed's replay to a streaming client (SSE and WebSocket; a poll answers its replay in
 * one body instead, bounded by maxBufferedBytes). Step 3 of feed.ts: after `feed.open()`, the
 * gaps, the messages, the transport's "open" marker, then `feed.goLive()`.
 *
 * The replay may be far larger than maxBufferedBytes (history × message size): it is written at
 * the client's pace, waiting for the transport's buffer to drain, instead of counting as a slow
 * consumer — or a client resuming a long history would be dropped, reconnect with the same
 * cursor, and be dropped again, forever.
 *
 * It is read from the broker in pages (README, Limits and budgets): the next page only once the
 * client drained the last, so a request holds at most one page (about REPLAY_PAGE_BYTES) however
 * long the history. A client that does not drain within drainTimeout is dropped as a slow consumer:
 * without that bound, clients that never read would each hold their page forever.
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

/** About this many bytes of history per page: a page is read whole before it is written. */
export const REPLAY_PAGE_BYTES = 1024 * 1024;

/** Messages per page: a page of the largest messages allowed stays near REPLAY_PAGE_BYTES. */
export function replayPageSize(maxMessageSize: number): number {
  return Math.min(1000, Math.max(16, Math.floor(REPLAY_PAGE_BYTES / maxMessageSize)));
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
  /** The client did not drain within drainTimeout: cut it. */
  drop(): void;
}

/** Resolves true once `paced` settles, false when `ms` pass first. */
function drainedWithin(paced: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([paced.then(() => true), late]).finally(() => clearTimeout(timer));
}

/**
 * Writes an opened feed's replay through `sink`, page by page, then lets its live messages
 * through. `result` is the first page (feed.open() read it with `limit`).
 */
export async function writeReplay(context: ServerContext, feed: Feed, result: ReplayResult, sink: ReplaySink): Promise<void> {
  const stopped = (): boolean => sink.ended() || feed.closed;
  if (stopped()) return;
  const { head } = result;
  const reset = new Set(result.gaps);
  for (const channel of result.gaps) sink.reset(channel);
  let page: ReplayResult | undefined = result;
  while (page) {
    for (const message of page.messages) {
      // Past the head the live buffer has it (the feed's floor is the head): written there, once.
      if (message.epoch !== head.epoch || message.seq > head.seq) {
        page = undefined;
        break;
      }
      if (stopped()) return;
      context.metrics.delivered++;
      const paced = sink.write(new EncodedMessage(message));
      if (paced && !(await drainedWithin(paced, context.options.drainTimeoutMs))) {
        context.metrics.slowConsumersDropped++;
        sink.drop();
        return;
      }
    }
    if (stopped()) return;
    const last: ReplayResult['messages'][number] | undefined = page?.more ? page.messages.at(-1) : undefined;
    if (!last) break;
    // The next page: every channel from the last message written (drained: the loop awaited it).
    page = await feed.nextPage(head, last.seq);
    if (page.head.epoch !== head.epoch) break; // the history was lost meanwhile: live tells the client
    for (const channel of page.gaps) {
      // Trimmed while this client read: it may have missed messages, so it is told, once.
      if (reset.has(channel)) continue;
      reset.add(channel);
      sink.reset(channel);
    }
  }
  if (stopped()) return;
  sink.opened(formatEventId(head.epoch, head.seq));
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
