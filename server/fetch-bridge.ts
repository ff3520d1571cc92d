/**
 * A Fetch `Request` served by a node-style `(req, res)` handler, answered as a streaming Fetch
 * `Response`: how `push.fetch` (fetch-handler.ts) runs every endpoint through the same
 * `handleRequest` as the node path, so no endpoint is written twice.
 *
 * Hand-written rather than a library: `fetch-to-node`, the package for this direction, resolves
 * its Response only once the node response has finished (an SSE stream would never be answered)
 * and gives req/res no socket (the client address is read from it); `@hono/node-server` and the
 * like convert the other way (node req → Request). The endpoints use a small, known part of
 * IncomingMessage / ServerResponse, which the two stream subclasses below provide.
 *
 * What the bridge keeps of a socket's behaviour:
 * - The Response resolves with the response head (`writeHead`, or the first write or `end`), and
 *   each write reaches the body when it is made: an SSE stream streams.
 * - Backpressure: the body is a ReadableStream with a byte high-water mark, and a write is
 *   acknowledged only while its queue has room (or when the reader pulls). Until then writes wait
 *   in the Writable: `write()` returns false, `writableLength` grows (the slow-consumer bound
 *   reads it) and 'drain' follows once the reader catches up, as with a socket's send buffer.
 * - The request body is read from `request.body` as the handler reads it, so a body limit
 *   refuses as the bytes arrive, without reading the rest first.
 * - The client leaving (`request.signal` aborted, or the runtime cancelling the body) destroys
 *   the response: 'close' fires, and the connection lets go of its subscriptions and its per-IP
 *   slot as on a closed socket.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';

/** A node-style handler, such as the router's `handleRequest`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Bytes the body may hold unread before writes wait: about a socket's send buffer. */
export const BODY_HIGH_WATER_MARK = 16 * 1024;

/** Fetch "null body status": a Response with one of these must not have a body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Connection-specific fields (RFC 9110 §7.6.1) are dropped: the runtime serving the Response owns
 * the connection (HTTP/2 and HTTP/3 forbid them outright), so `Connection: close` is its call.
 */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** The request side: what the endpoints read of an IncomingMessage (method, url, headers, socket, body). */
class FetchIncoming extends Readable {
  readonly method: string;
  /** Path and query, as on a node request. */
  readonly url: string;
  /** Lower-case names, as node gives them; repeated fields joined with ", " by Headers. */
  readonly headers: Record<string, string>;
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  /** True once the whole body was read (the router reads it to decide whether to drain the rest). */
  complete = false;
  /** The client's address when the caller knows it (per-IP limits, client-address.ts). */
  readonly socket: { readonly remoteAddress: string | undefined; setNoDelay(): void };
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private stopped = false;

  constructor(request: Request, url: URL, clientAddress: string | undefined) {
    super();
    this.method = request.method;
    this.url = url.pathname + url.search;
    this.headers = Object.fromEntries(request.headers);
    // A Request made in code has no Host field; the same-origin check (cors.ts) compares with it.
    this.headers.host ??= url.host;
    this.socket = { remoteAddress: clientAddress, setNoDelay: () => {} };
    this.reader = request.body?.getReader();
    if (!this.reader) {
      this.complete = true;
      this.push(null);
    }
  }

  /**
   * The response is over: nothing more of the body is read (the router's drain of an unread
   * body, `req.resume()`, would otherwise read an endless one for ever). What is left unread is
   * the runtime's to discard, as after any Fetch handler that answers without reading the body;
   * cancelling it here could cut the connection before the answer has left.
   */
  stop(): void {
    if (this.complete || this.stopped) return;
    this.stopped = true;
    this.push(null);
  }

  override _read(): void {
    if (this.stopped) return;
    this.reader!.read().then(
      ({ done, value }) => {
        if (this.destroyed || this.stopped) return;
        if (done) {
          this.complete = true;
          this.push(null);
        } else {
          this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error('the request body failed')),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Destroyed before the end: the client went away (or the body failed), so nobody sends the rest.
    if (!this.complete && !this.stopped) this.reader?.cancel(error ?? undefined).catch(() => {});
    // As node's IncomingMessage: an error is emitted only to a listener (publish.ts has one while
    // it reads); unheard, it would be an uncaught 'error' event.
    callback(this.listenerCount('error') > 0 ? error : null);
  }
}

/** The response side: what the endpoints use of a ServerResponse (writeHead, write, end, destroy, drain). */
class FetchOutgoing extends Writable {
  statusCode = 200;
  headersSent = false;
  private readonly fields: OutgoingHttpHeaders = {};
  private readonly body: ReadableStream<Uint8Array> | null;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private bodyDone = false;
  /** The callback of the write the body had no room for: called when the reader pulls. */
  private held: (() => void) | undefined;
  private clientGone = false;

  constructor(
    withBody: boolean,
    private readonly onHead: (response: Response) => void,
    private readonly onFail: (error: Error) => void,
  ) {
    super();
    this.body = withBody
      ? new ReadableStream<Uint8Array>(
          {
            start: (controller) => {
              this.controller = controller;
            },
            pull: () => this.release(),
            // The reader is gone (the runtime's client went away): as a closed socket.
            cancel: () => {
              this.bodyDone = true;
              this.destroy();
            },
          },
          new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_MARK }),
        )
      : null;
  }

  /** `headers` as an object, or as node also takes them: a flat list, name, value, name, value… */
  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly string[]): this {
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        const name = headers[i]!;
        const had = this.fields[name];
        this.fields[name] = had === undefined ? headers[i + 1]! : [...(Array.isArray(had) ? had : [String(had)]), headers[i + 1]!];
      }
    } else {
      Object.assign(this.fields, headers);
    }
    this.sendHead();
    return this;
  }

  private sendHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.fields)) {
      if (value === undefined || CONNECTION_FIELDS.has(name.toLowerCase())) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
    }
    const body = NULL_BODY_STATUS.has(this.statusCode) ? null : this.body;
    if (body === null) this.closeBody();
    let response: Response;
    try {
      response = new Response(body, { status: this.statusCode, headers });
    } catch (error) {
      // A status or header a Response cannot carry: the caller's promise says so.
      this.onFail(error instanceof Error ? error : new Error(String(error)));
      this.destroy();
      return;
    }
    this.onHead(response);
  }

  /** The client went away (`request.signal` aborted): let go as a closed socket would. */
  leave(): void {
    this.clientGone = true;
    this.destroy();
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    held?.();
  }

  private closeBody(): void {
    if (this.bodyDone) return;
    this.bodyDone = true;
    this.controller?.close();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.sendHead();
    // No body to carry it (HEAD, a null-body status): dropped, as node does for HEAD.
    if (this.bodyDone) {
      callback();
      return;
    }
    // The ReadableStream is not a byte stream, so the chunk is handed on, never transferred: a
    // Buffer shared with other connections (write-batch.ts) stays intact.
    this.controller.enqueue(chunk);
    if ((this.controller.desiredSize ?? 0) > 0) callback();
    else this.held = callback;
  }

  override _final(callback: () => void): void {
    this.sendHead();
    this.closeBody();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.held = undefined;
    if (!this.headersSent) {
      this.headersSent = true;
      this.onFail(error ?? new Error('the response was destroyed before its head was written'));
    } else if (!this.bodyDone) {
      this.bodyDone = true;
      // The client left: nobody reads on, so the body just ends (an errored one would only have
      // the runtime log the client's leaving as a failure). Cut by the server (a slow consumer
      // dropped, close() timing out): errored, so the runtime cuts the connection and the client
      // sees a broken stream, never a truncated body that looks complete.
      if (this.clientGone) this.controller.close();
      else this.controller.error(error ?? new Error('the response was cut by the server'));
    }
    // Not passed on: node's ServerResponse does not emit 'error' for its own destroy either, and
    // nothing listens for one.
    callback(null);
  }
}

/**
 * Serves `request` with `handle`; resolves with the Response once its head is written. The
 * caller's `clientAddress` becomes `req.socket.remoteAddress`.
 */
export function serveThroughNode(handle: NodeHandler, request: Request, url: URL, clientAddress: string | undefined): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const { signal } = request;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const req = new FetchIncoming(request, url, clientAddress);
    const res = new FetchOutgoing(request.method !== 'HEAD', resolve, reject);
    const abort = (): void => {
      reject(signal.reason);
      res.leave();
      req.destroy(new Error('the client went away'));
    };
    signal.addEventListener('abort', abort, { once: true });
    res.once('close', () => {
      signal.removeEventListener('abort', abort);
      req.stop();
    });
    handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}
