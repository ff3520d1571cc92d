/**
 * `GET /poll?channel=A&lastEventId=…&timeout=25` — long-polling fallback. Answers at once when
 * the replay has anything (or a gap to report), else when a message comes or the timeout ends.
 * `lastEventId` in the answer is the newest id the answer covers: the broker's head when the
 * replay was read, or the newest message delivered, whichever is later; the next poll sends it.
 */
import { formatEventId } from '../src/protocol/event-id.js';
import { QUERY_TIMEOUT } from '../src/protocol/wire.js';
import type { ResetNotice } from '../src/protocol/wire.js';
import type { Connection, ServerContext } from './context.js';
import { EncodedMessage } from './encode.js';
import { PushError, sendError } from './errors.js';
import { Feed } from './feed.js';
import type { StreamCall } from './stream-request.js';
import { closeConnection } from './connection-close.js';
import { ConnectionTeardown } from './connection-teardown.js';
import { resetNotice } from './replay.js';

function parseTimeout(query: URLSearchParams, fallback: number, max: number): number {
  const text = query.get(QUERY_TIMEOUT);
  if (text === null) return fallback;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > max) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', `${QUERY_TIMEOUT} must be a number of seconds from 0 to ${max}`);
  }
  return seconds;
}

export async function handlePoll(context: ServerContext, { req, res, query, cors, requests }: StreamCall): Promise<void> {
  const { options, metrics } = context;
  const timeoutSeconds = parseTimeout(query, Math.min(options.defaultPollTimeout, options.maxPollTimeout), options.maxPollTimeout);

  const pending: EncodedMessage[] = [];
  let resets: ResetNotice[] = [];
  let covered = '';
  let coveredSeq = 0;
  let flushScheduled = false;

  const teardown = new ConnectionTeardown(context);
  const answer = (): void => {
    if (!teardown.end() || res.destroyed) return;
    if (covered === '') {
      // Shut down before the replay was read: no cursor to hand back, so ask for a retry.
      sendError(res, new PushError('TABMUX_ERR_UNAVAILABLE', 'the server is shutting down; retry shortly', { 'Retry-After': '1' }), cors);
      return;
    }
    // One answer carries at most about maxBufferedBytes (at least one message); the rest comes
    // with the next poll, from the last id included.
    let bytes = 0;
    let count = 0;
    while (count < pending.length && (count === 0 || bytes + pending[count]!.wire.length <= options.maxBufferedBytes)) {
      bytes += pending[count]!.wire.length;
      count++;
    }
    const included = pending.slice(0, count);
    const newest = included.at(-1);
    // The newest id covered: the head the replay was read at, or a newer live message, or, when
    // the answer is cut short, the last message it includes.
    const lastEventId = newest && (count < pending.length || newest.seq > coveredSeq) ? newest.message.id : covered;
    const body =
      `{"messages":[${included.map((m) => m.wire).join(',')}],"lastEventId":${JSON.stringify(lastEventId)}` +
      (resets.length > 0 ? `,"resets":${JSON.stringify(resets)}}` : '}');
    metrics.delivered += included.length;
    res.writeHead(200, {
      ...cors,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Shutting down: do not keep this socket for another request.
      ...(context.closing ? closeConnection(req) : {}),
    });
    res.end(body);
  };

  const feed = new Feed({
    registry: context.registry,
    broker: context.broker,
    requests,
    sink: {
      deliver: (message) => {
        pending.push(message);
        // Answer on the next turn, so messages published together travel in one answer.
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(answer);
        }
      },
    },
    onReset: (channel) => resets.push(resetNotice(channel)),
  });
  teardown.onEnd(() => feed.close());
  const connection: Connection = {
    transport: 'poll',
    subscriptions: () => requests.length,
    shutdown: answer,
    destroy: () => {
      teardown.end();
      res.destroy();
    },
  };
  teardown.track(connection);
  res.on('close', () => {
    if (!teardown.ended) connection.destroy();
  });

  const result = await feed.open();
  if (teardown.ended) return;
  covered = formatEventId(result.head.epoch, result.head.seq);
  coveredSeq = result.head.seq;
  resets = result.gaps.map(resetNotice);
  pending.push(...result.messages.map((m) => new EncodedMessage(m)));
  if (pending.length > 0 || resets.length > 0 || timeoutSeconds === 0) {
    answer();
    return;
  }
  teardown.timer(timeoutSeconds * 1000, answer);
  feed.goLive();
}
