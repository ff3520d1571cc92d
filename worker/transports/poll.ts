/**
 * Long-poll upstream, the fallback for networks that buffer streams. The first request asks with
 * `timeout=0` so that it answers at once: its `lastEventId` is the head from which every later
 * poll continues, which makes "open" observable and the hand-over from SSE lossless.
 */
import { QUERY_LAST_EVENT_ID, QUERY_TIMEOUT, type PollResponse } from '../../src/protocol/wire.js';
import { authHeaders, failureFromResponse, networkFailure } from './http-error.js';
import { streamUrl } from './query.js';
import type { TransportOpener } from './types.js';

export const openPoll: TransportOpener = (platform, request, handlers) => {
  const abort = new AbortController();
  let done = false;
  let cursor: string | undefined; // the server's `lastEventId`, shared by every channel once set

  const run = async () => {
    for (let first = true; !done; first = false) {
      // Per-channel cursors only on the first request: after it the shared cursor is newer.
      const channels = first ? request.channels : new Map([...request.channels.keys()].map((c) => [c, undefined]));
      const extra: Record<string, string> = { [QUERY_TIMEOUT]: first ? '0' : String(request.pollTimeoutS) };
      if (cursor) extra[QUERY_LAST_EVENT_ID] = cursor;
      const response = await platform.fetch(streamUrl(request.url, '/poll', channels, extra), { cache: 'no-store', signal: abort.signal, headers: authHeaders(request.token) });
      if (done) return;
      if (!response.ok) {
        done = true;
        handlers.closed(await failureFromResponse(response, platform.clock.now()));
        return;
      }
      const body = (await response.json()) as PollResponse;
      if (done) return;
      // The gaps first, as SSE's `$reset` and WebSocket's `reset` frame come before the replay:
      // a tab hears "messages may have been missed" before what was retained after them.
      for (const notice of body.resets ?? []) handlers.reset(notice);
      for (const message of body.messages ?? []) handlers.message(message);
      if (typeof body.lastEventId === 'string' && body.lastEventId) cursor = body.lastEventId;
      if (first) handlers.open(cursor);
    }
  };

  run().catch((error: unknown) => {
    if (done) return;
    done = true;
    handlers.closed(networkFailure(error));
  });

  return {
    kind: 'poll',
    close() {
      done = true;
      abort.abort();
    },
  };
};
