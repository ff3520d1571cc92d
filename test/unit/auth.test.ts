/**
 * Pure pieces of auth and limits, with injected clocks: channel patterns, key set-up refusals at
 * start, clock tolerance, the publish token bucket, the per-IP counter, the CLI flags, and the
 * demo's CSP hashes (computed from the real demo page).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { createJwtKeys } from '../../server/auth-keys.js';
import { checkPublish, checkSubscribe, verifyToken } from '../../server/auth.js';
import type { AuthConfig } from '../../server/auth.js';
import { matchesAny, parsePatterns } from '../../server/channel-patterns.js';
import { ConnectionsPerIp, RateLimit, createRefusalCounts } from '../../server/limits.js';
import { parseCli } from '../../server/cli-args.js';
import { PushError } from '../../server/errors.js';
import { pageHeaders } from '../../server/security-headers.js';

const SECRET = 'x'.repeat(32);

test('patterns: exact names, trailing * for any rest, nothing else', () => {
  assert.ok(matchesAny(['news'], 'news'));
  assert.ok(!matchesAny(['news'], 'news2'));
  assert.ok(matchesAny(['chat:*'], 'chat:lobby'));
  assert.ok(matchesAny(['chat:*'], 'chat:'));
  assert.ok(!matchesAny(['chat:*'], 'chatter'));
  assert.ok(matchesAny(['*'], 'anything/at@all'));
  assert.ok(!matchesAny(['a*b'], 'axb'), 'a * inside is literal and channel names cannot hold *');
  assert.ok(!matchesAny([], 'news'));
  assert.deepEqual(parsePatterns(undefined), []);
  assert.equal(parsePatterns('news'), undefined);
  assert.equal(parsePatterns([1]), undefined);
});

test('keys: bad configurations are refused at start with a clear reason', () => {
  const refuse = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof PushError && pattern.test(e.message));
  refuse(() => createJwtKeys('short', undefined), /at least 32 bytes/);
  refuse(() => createJwtKeys(undefined, 'not a key'), /not a PEM public key/);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  refuse(() => createJwtKeys(undefined, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /PUBLIC key/);
  refuse(() => createJwtKeys(undefined, '{"keys":[{"kty":"oct","k":"abc"}]}'), /secret or private/);
  refuse(() => createJwtKeys(undefined, '{"keys":[]}'), /non-empty/);
  assert.deepEqual(createJwtKeys(undefined, rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())?.algorithms, ['RS256']);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.deepEqual(createJwtKeys(undefined, ec.publicKey.export({ type: 'spki', format: 'pem' }).toString())?.algorithms, ['ES256']);
  assert.deepEqual(createJwtKeys(SECRET, undefined)?.algorithms, ['HS256']);
  assert.equal(createJwtKeys(undefined, undefined), undefined);
});

test('clock tolerance: exp and nbf within it pass, beyond it fail; the grant ends at exp + tolerance', async () => {
  const config: AuthConfig = { jwt: createJwtKeys(SECRET, undefined), publishKey: undefined, clockToleranceSeconds: 30, allowOrigin: [] };
  const key = new TextEncoder().encode(SECRET);
  const at = Math.floor(Date.now() / 1000);
  const sign = (exp: number, nbf?: number) => {
    const jwt = new SignJWT({ tabmux: { subscribe: ['a'] } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp);
    if (nbf !== undefined) jwt.setNotBefore(nbf);
    return jwt.sign(key);
  };
  const grant = await verifyToken(await sign(at - 10), config);
  assert.equal(grant.endsAt, (at - 10 + 30) * 1000);
  await assert.rejects(verifyToken(await sign(at - 60), config), /expired/);
  await verifyToken(await sign(at + 600, at + 10), config);
  await assert.rejects(verifyToken(await sign(at + 600, at + 120), config), /nbf/);
});

test('subscribe/publish decisions: open server, publish key only, JWT', () => {
  const open: AuthConfig = { jwt: undefined, publishKey: undefined, clockToleranceSeconds: 0, allowOrigin: [] };
  const none = { publishKey: false, grant: undefined };
  checkSubscribe(open, none, ['x']);
  checkPublish(open, none, 'x');
  const keyed = { ...open, publishKey: 'k' };
  checkSubscribe(keyed, none, ['x']);
  assert.throws(() => checkPublish(keyed, none, 'x'), /publish key/);
  checkPublish(keyed, { publishKey: true, grant: undefined }, 'x');
  const jwt = { ...keyed, jwt: createJwtKeys(SECRET, undefined) };
  assert.throws(() => checkSubscribe(jwt, none, ['x']), (e: PushError) => e.status === 401);
  const grant = { subscribe: ['a:*'], publish: ['a:out'], subject: 's', endsAt: undefined };
  checkSubscribe(jwt, { publishKey: false, grant }, ['a:1', 'a:2']);
  assert.throws(() => checkSubscribe(jwt, { publishKey: false, grant }, ['a:1', 'b']), (e: PushError) => e.status === 403 && /\bb\b/.test(e.message));
  checkPublish(jwt, { publishKey: false, grant }, 'a:out');
  assert.throws(() => checkPublish(jwt, { publishKey: false, grant }, 'a:1'), (e: PushError) => e.status === 403);
});

test('publish rate: a burst, then the refill rate; Retry-After says when a token is back', () => {
  let now = 0;
  const refusals = createRefusalCounts();
  const rate = new RateLimit(2, 4, refusals, 'publish_rate', 'publishing', () => now);
  for (let i = 0; i < 4; i++) rate.take('a');
  assert.throws(() => rate.take('a'), (e: PushError) => e.status === 429 && e.headers['Retry-After'] === '1');
  rate.take('b'); // another key has its own bucket
  now = 500; // half a second at 2/s: one token back
  rate.take('a');
  assert.throws(() => rate.take('a'));
  assert.equal(refusals.publish_rate, 2);
  const slow = new RateLimit(0.1, 1, refusals, 'publish_rate', 'publishing', () => now);
  slow.take('c');
  assert.throws(() => slow.take('c'), (e: PushError) => e.headers['Retry-After'] === '10');
});

test('connections per IP: refused past the bound, released once, per address', () => {
  const refusals = createRefusalCounts();
  const limit = new ConnectionsPerIp(2, refusals);
  const r1 = limit.acquire('1.1.1.1');
  limit.acquire('1.1.1.1');
  assert.throws(() => limit.acquire('1.1.1.1'), (e: PushError) => e.status === 429);
  limit.acquire('2.2.2.2');
  r1();
  r1(); // a second release must not free a slot it does not hold
  limit.acquire('1.1.1.1');
  assert.throws(() => limit.acquire('1.1.1.1'));
  assert.equal(refusals.connections_per_ip, 2);
});

test('CLI: every limit has a flag; secrets may come from the environment', () => {
  const command = parseCli(
    ['--max-connections-per-ip', '9', '--publish-rate', '2.5', '--publish-burst', '4', '--max-header-size', '8192', '--max-url-length', '2048', '--headers-timeout', '5', '--request-timeout', '20', '--auth-timeout', '3', '--jwt-clock-tolerance', '10'],
    { TABMUX_JWT_SECRET: SECRET, TABMUX_PUBLISH_KEY: 'pk' },
  );
  assert.equal(command.type, 'start');
  if (command.type !== 'start') return;
  assert.deepEqual(
    { ...command.options },
    { maxConnectionsPerIp: 9, publishRate: 2.5, publishBurst: 4, maxHeaderSize: 8192, maxUrlLength: 2048, headersTimeout: 5, requestTimeout: 20, authTimeout: 3, jwtClockTolerance: 10, jwtSecret: SECRET, publishKey: 'pk' },
  );
});

test('the demo CSP allows exactly its own inline script and style by hash', () => {
  const html = readFileSync(new URL('../../server/demo/index.html', import.meta.url), 'utf8');
  const csp = pageHeaders(html)['Content-Security-Policy']!;
  const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = createHash('sha256').update(script).digest('base64');
  assert.match(csp, new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /worker-src 'self'/);
});
