/**
 * The JWT verification keys, built once at start from `jwtSecret` / `jwtPublicKey`, each with
 * the ONLY algorithms it may verify. This allow-list is what stops algorithm confusion
 * (RFC 8725 §2.1, §3.1): `none` is never listed; a secret verifies HS256 only, so a token signed
 * with HMAC using the (public!) RSA key as the secret is refused; a public key verifies only the
 * asymmetric algorithm of its own type and curve.
 */
import { createPublicKey, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import type { CryptoKey, JWSHeaderParameters, JSONWebKeySet, FlattenedJWSInput } from 'jose';
import { PushError } from './errors.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_SECRET_BYTES = 32;

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyObject | CryptoKey | Uint8Array>;

export interface JwtKeys {
  readonly algorithms: readonly string[];
  readonly resolve: KeyResolver;
}

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
    return { algorithms: ['RS256', 'ES256', 'ES384', 'EdDSA'], resolve };
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

function fromSecret(secret: string): JwtKeys {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw badOption(`option jwtSecret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7518 §3.2); e.g. openssl rand -base64 32`);
  }
  const key = createSecretKey(Buffer.from(secret));
  return { algorithms: ['HS256'], resolve: () => Promise.resolve(key) };
}

/** Undefined when no JWT key is configured (the server is open to subscribers). */
export function createJwtKeys(jwtSecret: unknown, jwtPublicKey: unknown): JwtKeys | undefined {
  if (jwtSecret !== undefined && typeof jwtSecret !== 'string') throw badOption('option jwtSecret must be a string');
  if (jwtPublicKey !== undefined && typeof jwtPublicKey !== 'string') throw badOption('option jwtPublicKey must be a PEM or JWKS string');
  const secret = jwtSecret === undefined ? undefined : fromSecret(jwtSecret);
  const pub = jwtPublicKey === undefined ? undefined : fromPublicKey(jwtPublicKey);
  if (!secret || !pub) return secret ?? pub;
  // Both: the header's alg picks the key, and each key still only takes its own algorithms.
  return {
    algorithms: [...secret.algorithms, ...pub.algorithms],
    resolve: (header, token) => (secret.algorithms.includes(header.alg ?? '') ? secret : pub).resolve(header, token),
  };
}
