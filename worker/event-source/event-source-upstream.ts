/**
 * One shared upstream for SharedEventSource: a `fetch`-streamed `text/event-stream` request that
 * behaves, seen from each attached tab, exactly like the browser's own EventSource.
 *
 * Spec references are to the WHATWG HTML Standard, §9.2 "Server-sent events"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 *  - §9.2.2 processing model: 200 + `text/event-stream` announces the connection; any other
 *    status or type fails it for good; a network error or the end of the body reconnects after the
 *    reconnection time, sending the last event ID.
 *  - §9.2.4/§9.2.6 parsing and dispatch: done by worker/sse-parser.ts, whose `onId` reports the `id`
 *    of every block — including blocks without data, which still set the last event ID.
 */
import { createSseParser } from '../sse-parser.js';
import { RejoinBuffer, REJOIN_WINDOW_MS } from './rejoin-buffer.js';
import type { DispatchedEvent, ReadyState } from '../../src/hub-protocol/event-source.js';

/** Chromium's initial reconnection time (Blink `EventSource::kDefaultReconnectDelay`). */
export const DEFAULT_RECONNECT_MS = 3000;

export interface UpstreamSink {
  open(): void;
  error(readyState: ReadyState): void;
  events(events: readonly DispatchedEvent[]): void;
}

export interface UpstreamPlatform {
  readonly fetch: typeof fetch;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * `Last-Event-ID` as the UTF-8 bytes of the id, the way Chromium's EventSource sends it. A fetch
 * header value is a ByteString (one char per byte), so the UTF-8 bytes are spelled as Latin-1.
 */
export function lastEventIdHeaderValue(id: string): string {
  let bytes = '';
  for (const byte of new TextEncoder().encode(id)) bytes += String.fromCharCode(byte);
  return bytes;
}

/** §9.2.2: only `text/event-stream` (parameters such as charset are ignored) is acceptable. */
function isEventStream(contentType: string | null): boolean {
  return contentType != null && contentType.split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}

export class EventSourceUpstream {
  readyState: ReadyState = CONNECTING;
  private reconnectMs = DEFAULT_RECONNECT_MS;
  private origin = '';
  private readonly sinks = new Set<UpstreamSink>();
  private abort: AbortController | undefined;
  private timer: unknown;
  /** What this young upstream dispatched, for sources that re-attach late (rejoin-buffer.ts). */
  private readonly rejoin: RejoinBuffer;
  private rejoinTimer: unknown;
  /** Sources that re-attached while this upstream was reconnecting: given their missed events at open. */
  private readonly rejoining = new Map<UpstreamSink, string>();

  constructor(
    readonly url: string,
    readonly withCredentials: boolean,
    private readonly platform: UpstreamPlatform,
    /** Told when the upstream failed for good or lost its last sink, so the registry forgets it. */
    private readonly onDone: (upstream: EventSourceUpstream) => void,
    /** The last event ID to start from (sources back from a hub that died); '' for a new stream. */
    private lastEventId = '',
  ) {
    this.rejoin = new RejoinBuffer(lastEventId);
    this.rejoinTimer = platform.setTimeout(() => this.endRejoin(), REJOIN_WINDOW_MS);
  }

  get size(): number {
    return this.sinks.size;
  }

  /**
   * Attaches a tab's source. A source attached while the stream is open is told `open` at once
   * and then receives every later event, as a native EventSource created at that moment would.
   * `lastEventId`: a source re-attaching after its hub died; it is first given the events this
   * upstream dispatched after that id (rejoin-buffer.ts), as its own reconnect would have been.
   */
  attach(sink: UpstreamSink, lastEventId?: string): void {
    this.sinks.add(sink);
    if (this.sinks.size === 1 && this.abort === undefined && this.timer === undefined) void this.connect();
    else if (this.readyState === OPEN) this.opened(sink, lastEventId);
    else if (lastEventId !== undefined) this.rejoining.set(sink, lastEventId);
  }

  private opened(sink: UpstreamSink, lastEventId: string | undefined): void {
    sink.open();
    const missed = this.rejoin.after(lastEventId);
    if (missed.length > 0) sink.events(missed);
  }

  detach(sink: UpstreamSink): void {
    this.sinks.delete(sink);
    this.rejoining.delete(sink);
    if (this.sinks.size === 0) this.shutdown();
  }

  private shutdown(): void {
    this.readyState = CLOSED;
    this.abort?.abort();
    this.abort = undefined;
    if (this.timer !== undefined) this.platform.clearTimeout(this.timer);
    this.timer = undefined;
    this.endRejoin();
    this.onDone(this);
  }

  private endRejoin(): void {
    if (this.rejoinTimer !== undefined) this.platform.clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    this.rejoin.close();
    this.rejoining.clear();
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    const abort = new AbortController();
    this.abort = abort;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.lastEventId !== '') headers['Last-Event-ID'] = lastEventIdHeaderValue(this.lastEventId);
    let response: Response;
    try {
      response = await this.platform.fetch(this.url, {
        headers,
        mode: 'cors',
        credentials: this.withCredentials ? 'include' : 'same-origin',
        cache: 'no-store',
        signal: abort.signal,
      });
    } catch {
      if (abort.signal.aborted) return;
      this.reconnect(); // a network error (§9.2.2: "reestablish the connection")
      return;
    }
    if (abort.signal.aborted) return;
    if (response.status !== 200 || !isEventStream(response.headers.get('content-type')) || response.body === null) {
      void response.body?.cancel().catch(() => {});
      this.fail();
      return;
    }
    this.origin = new URL(response.url || this.url).origin;
    this.readyState = OPEN;
    // opened() with no id is a plain open; sinks that re-attached while reconnecting get theirs.
    for (const sink of this.sinks) this.opened(sink, this.rejoining.get(sink));
    this.rejoining.clear();
    await this.read(response.body, abort);
  }

  private async read(body: ReadableStream<Uint8Array>, abort: AbortController): Promise<void> {
    let batch: DispatchedEvent[] = [];
    const parser = createSseParser({
      onId: (id) => {
        this.lastEventId = id;
      },
      onRetry: (ms) => {
        this.reconnectMs = ms;
      },
      onEvent: (event) => {
        batch.push({ type: event.event ?? 'message', data: event.data, lastEventId: this.lastEventId, origin: this.origin });
      },
    });
    // One decoder per connection, in streaming mode: a multi-byte character split between two
    // chunks is joined; invalid bytes become U+FFFD (§9.2.4: "decoded using UTF-8 decode").
    // `ignoreBOM`: the decoder keeps a leading BOM and the parser strips exactly one (§9.2.4
    // strips one). A decoder that strips its own would let the parser strip a second, and a
    // stream that begins with two BOMs would dispatch a block that a native EventSource drops
    // (its first field name starts with U+FEFF: unknown).
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (batch.length > 0) {
          const events = batch;
          batch = [];
          this.rejoin.push(events);
          for (const sink of this.sinks) sink.events(events);
        }
      }
    } catch {
      // a network error mid-stream: same as the end of the body
    }
    // §9.2.4: at the end of the stream, an event not ended by a blank line is discarded. The
    // decoder's tail is dropped with it: it cannot complete a line.
    if (abort.signal.aborted) return;
    this.reconnect();
  }

  /** §9.2.2 "reestablish the connection": error with CONNECTING, wait, reconnect. */
  private reconnect(): void {
    this.abort = undefined;
    this.readyState = CONNECTING;
    for (const sink of this.sinks) sink.error(CONNECTING);
    if (this.sinks.size === 0) return;
    this.timer = this.platform.setTimeout(() => void this.connect(), this.reconnectMs);
  }

  /** §9.2.2 "fail the connection": CLOSED and error, for good. */
  private fail(): void {
    this.abort = undefined;
    this.readyState = CLOSED;
    const sinks = [...this.sinks];
    this.sinks.clear();
    for (const sink of sinks) sink.error(CLOSED);
    this.endRejoin();
    this.onDone(this);
  }
}
