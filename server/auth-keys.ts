/**
 * The JWT verification keys, built once at start from `jwtSecret` / `jwtPublicKey` /
 * `jwtJwksUrl`, each with
 * the ONLY algorithms it may verify. This allow-list is what stops algorithm confusion
 * (RFC 8725 §2.1, §3.1): `none` is never listed; a secret verifies HS256 only, so a token signed
 * with HMAC using the (public!) RSA key as the secret is refused; a public key verifies only the
 * asymmetric algorithm of its own type and curve.
 */
import { createPublicKey, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors } from 'jose';
import type { CryptoKey, JWSHeaderParameters, JSONWebKeySet, FlattenedJWSInput } from 'jose';
import { PushError } from './errors.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_SECRET_BYTES = 32;

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyObject | CryptoKey | Uint8Array>;

export interface JwtKeys {
  readonly algorithms: readonly string[];
  readonly resolve: KeyResolver;
}

/** The asymmetric algorithms a JWKS may verify; jose checks each key's type against the alg. */
const JWKS_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * A remote key set's fetch: bounded, so a hung identity provider cannot hold connections open
 * (a subscriber waits at most this long for its token to be checked).
 */
export const JWKS_TIMEOUT_MS = 5000;
/** Even without an unknown `kid`, the set is refetched after this long (a key withdrawn). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;

const badOption = (message: string): PushError => new PushError('TABMUX_ERR_BAD_REQUEST', message);

/** The asymmetric algorithm a PEM public key verifies, from its type and curve. */
function algorithmOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'ec':
      if (details?.namedCurve === 'prime256v1') return 'ES256';
      if (details?.namedCurve === 'secp384r1') return 'ES384';
      throw badOption(`option jwtPublicKey: EC curve ${details?.namedCurve ?? '?'} is not supported (use P-256 or P-384)`);
    case 'ed25519':
      return 'EdDSA';
    default:
      throw badOption(`option jwtPublicKey: key type ${key.asymmetricKeyType ?? '?'} is not supported (RSA, EC P-256/P-384, Ed25519)`);
  }
}

function fromPublicKey(text: string): JwtKeys {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(trimmed) as JSONWebKeySet;
    } catch {
      throw badOption('option jwtPublicKey: looks like a JWKS but is not valid JSON');
    }
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw badOption('option jwtPublicKey: a JWKS needs a non-empty "keys" array');
    if (jwks.keys.some((k) => k.kty === 'oct' || 'd' in k)) {
      throw badOption('option jwtPublicKey: the JWKS holds a secret or private key; give public keys only');
    }
    // jose's local JWK set picks the key by `kid`/`alg` and checks the key type matches the alg.
    const resolve = createLocalJWKSet(jwks);
    return { algorithms: JWKS_ALGORITHMS, resolve };
  }
  // createPublicKey() would quietly derive the public half of a private key: refuse it instead,
  // the private key does not belong on the push server.
  if (/PRIVATE KEY-----/.test(trimmed)) throw badOption('option jwtPublicKey: give the PUBLIC key, not a private one');
  let key: KeyObject;
  try {
    key = createPublicKey(trimmed);
  } catch {
    throw badOption('option jwtPublicKey: not a PEM public key (-----BEGIN PUBLIC KEY-----) nor a JWKS');
  }
  const algorithm = algorithmOf(key);
  return { algorithms: [algorithm], resolve: () => Promise.resolve(key) };
}

/** The remote key set could not be had: the provider's fault, not the token's (answered 503). */
export class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
  constructor(url: URL, cause: unknown) {
    super(`the JWKS at ${url.origin}${url.pathname} cannot be fetched: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * A failure of the fetch itself (timeout, network, not 200, not a JWKS), as opposed to a token
 * whose `kid`/`alg` matches no key. jose reports a network failure as fetch's own error and a
 * non-200 or unparsable answer as a bare JOSEError; a token's faults have their own subclasses.
 */
function keySetFailed(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  return !(error instanceof errors.JOSEError) || error.code === errors.JOSEError.code;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An identity provider's `jwks_uri`, through jose's createRemoteJWKSet: it caches the set, picks the
 * key by `kid`/`alg`, and refetches on an unknown `kid` (rotation) within the cooldown. https only
 * (a key set over plain http lets anyone on the path sign tokens), except on loopback.
 */
function fromJwksUrl(text: string, cooldownMs: number): JwtKeys {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badOption(`option jwtJwksUrl: ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw badOption('option jwtJwksUrl must be an https URL (plain http only on localhost)');
  }
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: JWKS_TIMEOUT_MS,
    // jose refetches the set at once when a token names an unknown `kid` (a rotation), but not
    // more than once per cooldown: a flood of made-up `kid`s costs the provider one fetch per
    // cooldown, not one per token.
    cooldownDuration: cooldownMs,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
  const resolve: KeyResolver = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      throw keySetFailed(error) ? new KeySetUnavailable(url, error) : error;
    }
  };
  return { algorithms: JWKS_ALGORITHMS, resolve };
}

function fromSecret(secret: string): JwtKeys {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw badOption(`option jwtSecret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7518 §3.2); e.g. openssl rand -base64 32`);
  }
  const key = createSecretKey(Buffer.from(secret));
  return { algorithms: ['HS256'], resolve: () => Promise.resolve(key) };
}

/** Undefined when no JWT key is configured (the server is open to subscribers). */
export function createJwtKeys(jwtSecret: unknown, jwtPublicKey: unknown, jwtJwksUrl?: unknown, jwksCooldownMs = 30_000): JwtKeys | undefined {
  if (jwtSecret !== undefined && typeof jwtSecret !== 'string') throw badOption('option jwtSecret must be a string');
  if (jwtPublicKey !== undefined && typeof jwtPublicKey !== 'string') throw badOption('option jwtPublicKey must be a PEM or JWKS string');
  if (jwtJwksUrl !== undefined && typeof jwtJwksUrl !== 'string') throw badOption('option jwtJwksUrl must be a URL string');
  // One source of asymmetric keys: with two, a token's alg could not say which one to trust.
  if (jwtPublicKey !== undefined && jwtJwksUrl !== undefined) throw badOption('options jwtPublicKey and jwtJwksUrl exclude each other: give one');
  const secret = jwtSecret === undefined ? undefined : fromSecret(jwtSecret);
  const pub = jwtPublicKey !== undefined ? fromPublicKey(jwtPublicKey) : jwtJwksUrl !== undefined ? fromJwksUrl(jwtJwksUrl, jwksCooldownMs) : undefined;
  if (!secret || !pub) return secret ?? pub;
  // Both: the header's alg picks the key, and each key still only takes its own algorithms.
  return {
    algorithms: [...secret.algorithms, ...pub.algorithms],
    resolve: (header, token) => (secret.algorithms.includes(header.alg ?? '') ? secret : pub).resolve(header, token),
  };
}
