/**
 * An SSE stream read from a Fetch `Response` (`push.fetch` in-process, or `fetch()` against a
 * runtime), parsed by eventsource-parser as the socket reader of server-clients.ts is, with the
 * same bounded `until` (its Waiter): every wait is driven by what arrives.
 */
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { Waiter } from './server-clients.js';

export interface FetchSse {
  readonly response: Response;
  readonly events: EventSourceMessage[];
  readonly retries: number[];
  /** Channel messages only (no `$open` / `$reset`). */
  messages(): EventSourceMessage[];
  /** How the body stopped: `end` (ended by the server, or cancelled here) or `error` (cut). */
  readonly ended: Promise<'end' | 'error'>;
  until(check: (s: FetchSse) => boolean, what: string, ms?: number): Promise<void>;
  /** Cancels the body, as a runtime does when its client goes away. */
  cancel(): Promise<void>;
}

export function readSse(response: Response): FetchSse {
  if (!response.body) throw new Error(`the SSE response (${response.status}) has no body`);
  const reader = response.body.getReader();
  const waiter = new Waiter();
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      waiter.changed();
    },
    onRetry: (ms) => {
      retries.push(ms);
      waiter.changed();
    },
  });
  const decoder = new TextDecoder();
  const pump = async (): Promise<'end' | 'error'> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'end';
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      return 'error';
    } finally {
      waiter.changed();
    }
  };
  const sse: FetchSse = {
    response,
    events,
    retries,
    messages: () => events.filter((e) => !e.event?.startsWith('$')),
    ended: pump(),
    until: (check, what, ms) => waiter.until(() => check(sse), what, ms),
    cancel: () => reader.cancel(),
  };
  return sse;
}
