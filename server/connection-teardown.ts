/**
 * What one client connection holds on the server — its place in `context.connections`, its
 * timers, its feeds — let go together and once, however the connection ends: answered, the
 * client gone, dropped as a slow consumer, its token expired, the server shutting down. Every
 * transport (sse.ts, poll.ts, the WebSocket's ws-connection.ts) ends through one of these, so
 * none can forget a timer or leave a feed subscribed.
 */
import type { Connection, ServerContext } from './context.js';

export class ConnectionTeardown {
  private done = false;
  /** Made with the first timer: most connections never have one. */
  private timers: Set<NodeJS.Timeout> | undefined;
  private readonly releases: (() => void)[] = [];
  private connection: Connection | undefined;

  constructor(private readonly context: ServerContext) {}

  /** True once the connection ended: a transport writes nothing more. */
  get ended(): boolean {
    return this.done;
  }

  /** Counts the connection as open (close() walks it, /metrics counts it) until the end. */
  track(connection: Connection): void {
    this.connection = connection;
    this.context.connections.add(connection);
  }

  /** A timer cleared at the end (or by `cancel`); the caller decides whether it holds the process. */
  timer(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers?.delete(timer);
      run();
    }, ms);
    (this.timers ??= new Set()).add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers?.delete(timer);
  }

  /** Runs at the end, in the order given (e.g. close a feed: its channels are let go). */
  onEnd(release: () => void): void {
    this.releases.push(release);
  }

  /** Lets everything go; false when the connection had already ended (nothing done). */
  end(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timers) for (const timer of this.timers) clearTimeout(timer);
    this.timers = undefined;
    for (const release of this.releases) release();
    if (this.connection) this.context.connections.delete(this.connection);
    return true;
  }
}
