/**
 * A WebSocket's token over its life. Browsers cannot put headers on an upgrade, so a socket may
 * open without a token and send `{"op":"auth","token"}` first (within authTimeout), and again
 * with a fresh token before the current one expires. No valid token in time, a bad one, or an
 * expired one: an `op:error` TABMUX_ERR_UNAUTHORIZED frame saying which, then close 4001.
 */
import { CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHORIZED } from '../src/protocol/close-codes.js';
import type { WsServerFrame } from '../src/protocol/wire.js';
import { msUntilExpiry, verifyToken } from './auth.js';
import type { Credentials, Grant } from './auth.js';
import type { ConnectionTeardown } from './connection-teardown.js';
import type { ServerContext } from './context.js';
import { PushError, toPushError } from './errors.js';

export interface WsAuthLink {
  readonly teardown: ConnectionTeardown;
  send(frame: WsServerFrame): void;
  /** Sends what is waiting, then a close frame. */
  close(code: number, reason: string): void;
  /** A new token was accepted: its grant may allow fewer channels than the last one. */
  granted(grant: Grant): void;
}

export class WsAuth {
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** An `auth` frame being verified: later frames wait for it, so they see its outcome. */
  private pending: Promise<void> | undefined;

  constructor(
    private readonly context: ServerContext,
    /** What the socket may do now: replaced by each accepted `auth` frame. */
    public credentials: Credentials,
    private readonly link: WsAuthLink,
  ) {
    this.scheduleExpiry();
    if (context.auth.jwt && !credentials.grant && !credentials.publishKey) {
      // An unauthenticated socket costs memory and a descriptor: it gets authTimeout to send a token.
      const ms = context.options.authTimeoutMs;
      this.authTimer = link.teardown.timer(ms, () => {
        context.metrics.limitRefusals.auth_timeout++;
        this.closeUnauthorized(`no token within ${ms / 1000} s: send {"op":"auth","token":"…"} first`);
      });
      this.authTimer.unref();
    }
  }

  /** `{"op":"auth"}`: a first token, or a fresh one before the current one expires. */
  async receive(token: string | undefined): Promise<void> {
    this.pending = this.reauthenticate(token);
    try {
      await this.pending;
    } finally {
      this.pending = undefined;
    }
  }

  /**
   * While an `auth` frame is being verified, a promise for its end (whatever its outcome); else
   * undefined, and the frame is answered without waiting a turn.
   */
  settled(): Promise<void> | undefined {
    return this.pending?.catch(() => {});
  }

  private async reauthenticate(token: string | undefined): Promise<void> {
    const { context } = this;
    if (!context.auth.jwt) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'this server has no JWT key configured: no auth frame is needed');
    if (token === undefined) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'an auth frame is {"op":"auth","token":"<JWT>"}');
    let grant;
    try {
      grant = await verifyToken(token, context.auth);
    } catch (error) {
      const refusal = toPushError(error);
      if (refusal.code === 'TABMUX_ERR_UNAVAILABLE') {
        // The key set could not be fetched: not the token's fault, so not 4001 (drop the token).
        this.link.send({ op: 'error', code: refusal.code, message: refusal.message });
        this.link.close(CLOSE_TRY_AGAIN_LATER, 'try again later');
        this.link.teardown.end();
        return;
      }
      this.closeUnauthorized(refusal.message);
      return;
    }
    if (this.link.teardown.ended) return;
    this.credentials = { publishKey: this.credentials.publishKey, grant };
    this.link.teardown.cancel(this.authTimer);
    this.scheduleExpiry();
    this.link.granted(grant);
  }

  private scheduleExpiry(): void {
    this.link.teardown.cancel(this.expiryTimer);
    const ms = msUntilExpiry(this.credentials.grant);
    if (ms === undefined) return;
    this.expiryTimer = this.link.teardown.timer(ms, () =>
      this.closeUnauthorized('the token has expired: reconnect with a fresh one, or send {"op":"auth"} before it ends'),
    );
    this.expiryTimer.unref();
  }

  private closeUnauthorized(message: string): void {
    this.context.metrics.authRefusals.unauthorized++;
    this.link.send({ op: 'error', code: 'TABMUX_ERR_UNAUTHORIZED', message });
    this.link.close(CLOSE_UNAUTHORIZED, 'unauthorized');
    this.link.teardown.end();
  }
}
