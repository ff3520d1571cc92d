/**
 * The event-stream parser of the hub (its SSE upstream, worker/transports/sse.ts) and of
 * SharedEventSource's upstream (worker/event-source/event-source-upstream.ts): WHATWG HTML §9.2.6
 * "Interpreting an event stream", fed decoded text in chunks cut anywhere.
 *
 * The same callbacks and the same events as eventsource-parser's `createParser`, which it
 * replaces in the hub's bundles (a third of its size: the hub a leader tab loads counts every
 * byte, README, Size). test/unit/sse-parser.test.ts holds it to eventsource-parser on every
 * fixture stream cut at every position.
 *
 * - one leading U+FEFF is stripped; lines end at CRLF, LF or CR (a CR that ends a chunk waits for
 *   the next one to tell CRLF from CR);
 * - a blank line dispatches: `onId` with the block's `id` if it had one (a block without data
 *   still sets the last event id, §9.2.6 dispatch step 1), then `onEvent` if it had a `data` line;
 *   `event` is undefined when absent or empty (the caller reads that as "message");
 * - `retry` with ASCII digits only calls `onRetry`; comments and unknown fields are ignored.
 */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

export interface SseCallbacks {
  onEvent?(event: SseEvent): void;
  onId?(id: string): void;
  onRetry?(ms: number): void;
}

const LF = 10;

export function createSseParser(callbacks: SseCallbacks): { feed(chunk: string): void } {
  /** Pieces of a line not ended yet (joined once it ends: a long line in many chunks stays linear). */
  const partial: string[] = [];
  let started = false;
  let skipLf = false;
  let id: string | undefined;
  let event: string | undefined;
  let data = '';
  let dataLines = 0;

  const line = (text: string): void => {
    if (text === '') {
      if (id !== undefined) callbacks.onId?.(id);
      if (dataLines > 0) callbacks.onEvent?.({ id, event, data });
      id = event = undefined;
      data = '';
      dataLines = 0;
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) return; // a comment
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (field === 'data') {
      data = dataLines++ === 0 ? value : `${data}\n${value}`;
    } else if (field === 'event') {
      event = value || undefined;
    } else if (field === 'id') {
      if (!value.includes('\0')) id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      callbacks.onRetry?.(parseInt(value, 10));
    }
  };

  return {
    feed(chunk) {
      if (chunk === '') return;
      if (!started) {
        started = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      let start = 0;
      if (skipLf) {
        skipLf = false;
        if (chunk.charCodeAt(0) === LF) start = 1;
      }
      // The next CR and LF at or after `start` (-1: none left in this chunk), found once each.
      let cr = chunk.indexOf('\r', start);
      let lf = chunk.indexOf('\n', start);
      while (cr !== -1 || lf !== -1) {
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        const piece = chunk.slice(start, end);
        line(partial.length > 0 ? partial.splice(0).join('') + piece : piece);
        start = end + 1;
        if (end === cr) {
          if (start === chunk.length) {
            skipLf = true; // CR at the end of the chunk: a LF starting the next one is its CRLF's
            return;
          }
          if (chunk.charCodeAt(start) === LF) start++;
        }
        if (cr !== -1 && cr < start) cr = chunk.indexOf('\r', start);
        if (lf !== -1 && lf < start) lf = chunk.indexOf('\n', start);
      }
      if (start < chunk.length) partial.push(chunk.slice(start));
    },
  };
}
