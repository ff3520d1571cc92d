/**
 * `tabmux-server` with JWT flags, as a real process: a JWKS file via --jwt-public-key, the HS256
 * secret via TABMUX_JWT_SECRET (kept out of `ps`), and bad key files refused with exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, SignJWT } from 'jose';
import { request } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
const SPAWN_MS = 15_000;
const dir = mkdtempSync(join(tmpdir(), 'tabmux-auth-cli-'));

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = () => withTimeout(
    new Promise<string>((resolve) => {
      const check = () => {
        const match = /listening on (http:\/\/\S+?)\/?\n/.exec(stdout);
        if (match) resolve(match[1]!);
      };
      child.stdout.on('data', check);
      check();
    }),
    SPAWN_MS,
    'the server to listen',
  );
  return { child, exited, listening, err: () => stderr };
}

test('--jwt-public-key with a JWKS file: tokens required, no open-server warning', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(dir, 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'a', alg: 'ES256' }] }));
  const p = run(['--jwt-public-key', file, '--publish-key', 'backend-key']);
  t.after(() => p.child.kill('SIGKILL'));
  const url = await p.listening();
  assert.equal((await request(`${url}/poll?channel=x&timeout=0`)).status, 401);
  const token = await new SignJWT({ tabmux: { subscribe: ['x'] } }).setProtectedHeader({ alg: 'ES256', kid: 'a' }).setExpirationTime('1m').sign(privateKey);
  assert.equal((await request(`${url}/poll?channel=x&timeout=0`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  assert.doesNotMatch(p.err(), /OPEN|SUBSCRIBE/);
  p.child.kill('SIGTERM');
  assert.equal(await withTimeout(p.exited, SPAWN_MS, 'exit on SIGTERM'), 0);
});

test('TABMUX_JWT_SECRET from the environment; a short secret or an unreadable/private key file exits 2', async (t) => {
  const p = run([], { TABMUX_JWT_SECRET: 's'.repeat(40) });
  t.after(() => p.child.kill('SIGKILL'));
  const url = await p.listening();
  assert.equal((await request(`${url}/poll?channel=x&timeout=0`)).status, 401);
  assert.doesNotMatch(p.err(), /OPEN|SUBSCRIBE/, 'not open: subscribing and publishing both need a token');
  p.child.kill('SIGTERM');
  await withTimeout(p.exited, SPAWN_MS, 'exit');

  const priv = join(dir, 'private.pem');
  writeFileSync(priv, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  for (const [args, env, reason] of [
    [[], { TABMUX_JWT_SECRET: 'short' }, /32 bytes/],
    [['--jwt-public-key', join(dir, 'missing.pem')], {}, /cannot read/],
    [['--jwt-public-key', priv], {}, /PUBLIC key/],
  ] as const) {
    const bad = run([...args], { ...env });
    assert.equal(await withTimeout(bad.exited, SPAWN_MS, `exit for ${args.join(' ')}`), 2);
    assert.match(bad.err(), reason);
    assert.doesNotMatch(bad.err(), /\n\s+at /);
  }
});
