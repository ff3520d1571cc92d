/**
 * SSE read with `fetch` streaming and parsed by worker/sse-parser.ts, not with `EventSource`:
 * `EventSource` cannot send an `Authorization` header, cannot be told the per-channel cursors
 * after a reconnect (it only replays its single `Last-Event-ID`), and does not exist in Service
 * Workers. Reconnection is the hub's job (backoff.ts), so this file opens exactly one request.
 */
import { createSseParser, type SseEvent } from '../sse-parser.js';
import { SSE_EVENT_OPEN, SSE_EVENT_RESET, type ResetNotice, type SseOpenData } from '../../src/protocol/wire.js';
import { authHeaders, failureFromResponse, isAbort, networkFailure } from './http-error.js';
import { streamUrl } from './query.js';
import type { TransportOpener, UpstreamFailure } from './types.js';

export const openSse: TransportOpener = (platform, request, handlers) => {
  const abort = new AbortController();
  let done = false;
  let openTimer: ReturnType<typeof platform.clock.setTimeout> | undefined;

  const finish = (failure: UpstreamFailure) => {
    if (done) return;
    done = true;
    if (openTimer !== undefined) platform.clock.clearTimeout(openTimer);
    abort.abort();
    handlers.closed(failure);
  };

  const onEvent = (event: SseEvent) => {
    if (done) return;
    if (event.event === SSE_EVENT_OPEN) {
      if (openTimer !== undefined) platform.clock.clearTimeout(openTimer);
      handlers.open(event.id || parseJson<SseOpenData>(event.data)?.head);
      return;
    }
    if (event.event === SSE_EVENT_RESET) {
      const notice = parseJson<ResetNotice>(event.data);
      if (notice && typeof notice.channel === 'string') handlers.reset(notice);
      return;
    }
    // Every other event is a message: `event:` its channel, `id:` its resume token.
    if (!event.event || !event.id) return;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return; // a frame this server would never send; dropping it keeps the stream usable
    }
    handlers.message({ channel: event.event, id: event.id, data });
  };

  const run = async () => {
    // `$open` follows the replay at once. If it has not arrived within the bound, something
    // between us and the server buffers the stream (an old proxy, an antivirus gateway): fall
    // back. The bound starts with the request, not with the headers, because such proxies often
    // hold the headers back too, until the (never-ending) body is complete.
    openTimer = platform.clock.setTimeout(
      () => finish({ code: 'TABMUX_ERR_UNAVAILABLE', message: 'the event stream did not start (buffering proxy?)', streamingBroken: true }),
      request.openTimeoutMs,
    );
    const response = await platform.fetch(streamUrl(request.url, '/sse', request.channels), {
      headers: { accept: 'text/event-stream', ...authHeaders(request.token) },
      cache: 'no-store',
      signal: abort.signal,
    });
    if (!response.ok) return finish(await failureFromResponse(response, platform.clock.now()));
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      return finish({ code: 'TABMUX_ERR_BAD_REQUEST', message: 'the server did not answer with text/event-stream', streamingBroken: true });
    }
    const parser = createSseParser({ onEvent, onRetry: (ms) => handlers.retry(ms) });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended || done) break;
      handlers.activity?.(); // a `:` heartbeat comment is no event: the parser would hide it
      parser.feed(value);
    }
    finish({ code: 'TABMUX_ERR_UNAVAILABLE', message: 'the event stream ended' });
  };

  run().catch((error: unknown) => {
    // An abort we did not ask for (the network layer gave up) is a failure like any other.
    if (!done) finish(isAbort(error) ? { code: 'TABMUX_ERR_NETWORK', message: 'the request was aborted' } : networkFailure(error));
  });

  return {
    kind: 'sse',
    close() {
      done = true;
      if (openTimer !== undefined) platform.clock.clearTimeout(openTimer);
      abort.abort();
    },
  };
};

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
