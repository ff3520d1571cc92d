/**
 * Client auth (README, Auth and limits): where a request's credential is found, what a verified JWT
 * grants (its `tabmux` claim), and the one place that decides whether a caller may subscribe to
 * or publish on a channel. A token is never logged, echoed in an error, or stored past the check.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { originAllowed } from './cors.js';
import type { JwtKeys } from './auth-keys.js';
import { matchesAny, parsePatterns } from './channel-patterns.js';
import type { ChannelPatterns } from './channel-patterns.js';
import { PushError } from './errors.js';
import { KeySetUnavailable } from './auth-keys.js';

/** The cookie a same-site app may set for the server (HttpOnly; the hub need not see it). */
export const TOKEN_COOKIE = 'tabmux_token';
/** The query parameter, for clients that can set neither a header nor a cookie. */
export const TOKEN_QUERY = 'token';
/** Longest credential read; a JWT for a few hundred channel patterns fits well under it. */
const MAX_TOKEN_BYTES = 8192;

export interface Grant {
  readonly subscribe: ChannelPatterns;
  readonly publish: ChannelPatterns;
  /** `sub`, for per-token rate limits; never the token itself. */
  readonly subject: string | undefined;
  /** When a live connection must end (ms since epoch: `exp` + clock tolerance), if the token expires. */
  readonly endsAt: number | undefined;
}

/** What the caller proved: the publish key, a token's grant, both, or nothing. */
export interface Credentials {
  readonly publishKey: boolean;
  readonly grant: Grant | undefined;
}

export interface AuthConfig {
  readonly jwt: JwtKeys | undefined;
  readonly publishKey: string | undefined;
  readonly clockToleranceSeconds: number;
  readonly allowOrigin: readonly string[];
  /** When set, a token's `aud` must name it (RFC 7519 §4.1.3). */
  readonly audience?: string;
  /** When set, a token's `iss` must equal it (RFC 7519 §4.1.1). */
  readonly issuer?: string;
}

const WWW_AUTHENTICATE = (error?: string): Record<string, string> => ({
  // RFC 6750 §3: the challenge names the scheme, and error="invalid_token" when one was sent.
  'WWW-Authenticate': `Bearer realm="tabmux"${error ? `, error="${error}"` : ''}`,
});

export const unauthorized = (message: string, tokenSent = true): PushError =>
  new PushError('TABMUX_ERR_UNAUTHORIZED', message, WWW_AUTHENTICATE(tokenSent ? 'invalid_token' : undefined));

export function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

export function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The request's token: `Authorization: Bearer`, else the cookie, else `?token=`. The cookie only
 * counts when the Origin is absent or allowed: a browser attaches cookies to a cross-site
 * WebSocket upgrade or GET, so accepting them from any origin would hand a logged-in user's
 * stream to whatever site they visit (cross-site WebSocket hijacking).
 */
export function findToken(req: IncomingMessage, query: URLSearchParams | undefined, config: AuthConfig): string | undefined {
  const fromHeader = bearer(req);
  if (fromHeader !== undefined) return fromHeader;
  const origin = req.headers.origin;
  const cookieAllowed = origin === undefined || (config.allowOrigin.length > 0 && originAllowed(req, config.allowOrigin));
  const fromCookie = cookieAllowed ? cookie(req, TOKEN_COOKIE) : undefined;
  if (fromCookie !== undefined) return fromCookie;
  return query?.get(TOKEN_QUERY) ?? undefined;
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'the token is not valid yet (nbf)' : `the token's ${error.claim} claim is missing or not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of this server matches the token (kid/alg)';
  return 'the token is malformed or not a signed JWT';
}

/** Verifies a JWT and reads its grant; a PushError 401 (with the reason, never the token) if not. */
export async function verifyToken(token: string, config: AuthConfig): Promise<Grant> {
  const jwt = config.jwt;
  if (!jwt) throw unauthorized('this server does not take tokens');
  if (token.length > MAX_TOKEN_BYTES) throw unauthorized(`the token is over ${MAX_TOKEN_BYTES} bytes`);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, jwt.resolve, {
      algorithms: [...jwt.algorithms],
      clockTolerance: config.clockToleranceSeconds,
      // Without them, any token signed with the same key (another app of the same provider) passes.
      ...(config.audience !== undefined ? { audience: config.audience } : {}),
      ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
      // A token without `exp` would be valid forever: refused (RFC 8725 §3.10 spirit).
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    if (error instanceof KeySetUnavailable) {
      // The provider is down or answers garbage: the token may be fine, so not a 401 (which
      // tells a client to drop its token); a 503 tells it to come back.
      throw new PushError('TABMUX_ERR_UNAVAILABLE', 'the key set to check tokens with (jwtJwksUrl) cannot be fetched now; retry shortly', { 'Retry-After': '5' });
    }
    throw unauthorized(reasonOf(error));
  }
  const claim = (payload as { tabmux?: unknown }).tabmux;
  const shape = typeof claim === 'object' && claim !== null && !Array.isArray(claim) ? (claim as Record<string, unknown>) : claim === undefined ? {} : undefined;
  const subscribe = shape && parsePatterns(shape.subscribe);
  const publish = shape && parsePatterns(shape.publish);
  if (!subscribe || !publish) throw unauthorized('the token\'s tabmux claim must be {"subscribe":[patterns],"publish":[patterns]}');
  return {
    subscribe,
    publish,
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    endsAt: typeof payload.exp === 'number' ? (payload.exp + config.clockToleranceSeconds) * 1000 : undefined,
  };
}

/**
 * The credentials of an HTTP request (or a WebSocket upgrade). A Bearer value equal to the
 * publish key is the key; any other token is verified as a JWT when a JWT key is configured.
 * The publish key counts only as `Authorization: Bearer` (README, Auth and limits): in a URL it
 * ends up in proxy logs and browser history, and a cookie would send it from every page of a site.
 * Refusals are thrown (an `await` of the call sees them the same way as a rejection).
 */
export function authenticate(req: IncomingMessage, query: URLSearchParams | undefined, config: AuthConfig): Promise<Credentials> | Credentials {
  // Only a JWT needs a promise: without one, the credentials are known at once (no await per request).
  const token = findToken(req, query, config);
  if (token === undefined) return NO_CREDENTIALS;
  if (config.publishKey !== undefined && sameKey(token, config.publishKey)) {
    if (bearer(req) === undefined) throw unauthorized('the publish key is accepted only as Authorization: Bearer, never in the URL or a cookie');
    return PUBLISH_KEY;
  }
  // No JWT key: a Bearer value that is not the publish key proves nothing (publish says 401).
  if (!config.jwt) return NO_CREDENTIALS;
  return verifyToken(token, config).then((grant) => ({ publishKey: false, grant }));
}

const NO_CREDENTIALS: Credentials = Object.freeze({ publishKey: false, grant: undefined });
const PUBLISH_KEY: Credentials = Object.freeze({ publishKey: true, grant: undefined });

/** Throws 401/403 unless `credentials` may subscribe to every one of `channels`. */
export function checkSubscribe(config: AuthConfig, credentials: Credentials, channels: readonly string[]): void {
  if (!config.jwt) return; // no JWT key: subscribing is open (the CLI says so at start)
  const { grant } = credentials;
  if (!grant) throw unauthorized('subscribing needs a token (Authorization: Bearer, the tabmux_token cookie, or ?token=)', false);
  for (const channel of channels) {
    if (!matchesAny(grant.subscribe, channel)) throw new PushError('TABMUX_ERR_FORBIDDEN', `the token does not allow subscribing to ${channel}`);
  }
}

/** Throws 401/403 unless `credentials` may publish on `channel`. */
export function checkPublish(config: AuthConfig, credentials: Credentials, channel: string): void {
  if (credentials.publishKey) return;
  if (credentials.grant) {
    if (matchesAny(credentials.grant.publish, channel)) return;
    throw new PushError('TABMUX_ERR_FORBIDDEN', `the token does not allow publishing on ${channel}`);
  }
  if (!config.jwt && config.publishKey === undefined) return; // open server
  throw unauthorized(
    config.jwt ? 'publishing needs a token allowing this channel, or the publish key' : 'publishing needs Authorization: Bearer <publish key>',
    false,
  );
}

/** Milliseconds until a live connection on `grant` must end; undefined when it never expires. */
export function msUntilExpiry(grant: Grant | undefined, now = Date.now()): number | undefined {
  if (grant?.endsAt === undefined) return undefined;
  // setTimeout holds at most 2^31-1 ms (~24.8 days); a longer-lived token is re-checked then.
  return Math.min(Math.max(0, grant.endsAt - now), 2 ** 31 - 1);
}
