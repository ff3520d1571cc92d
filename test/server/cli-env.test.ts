/**
 * Configuration by environment (README, Configuration by environment): every long option from
 * TABMUX_<OPTION>, a flag winning, PORT after TABMUX_PORT; bad values refused like bad flags,
 * naming the variable; --help lists each variable; --version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENV_FLAGS, HELP, UsageError, envName, parseCli } from '../../server/cli-args.js';
import type { PushServerOptions } from '../../server/index.js';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { request } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
const SPAWN_MS = 15_000;

function options(argv: string[], env: Record<string, string>): PushServerOptions {
  const command = parseCli(argv, env);
  assert.equal(command.type, 'start');
  return command.type === 'start' ? command.options : {};
}

test('every long option is read from TABMUX_<OPTION>, and a flag wins over it', () => {
  const env = {
    TABMUX_PORT: '9001',
    TABMUX_HOST: '0.0.0.0',
    TABMUX_REDIS: 'redis://:secret@redis:6379/2',
    TABMUX_PUBLISH_KEY: 'pk',
    TABMUX_HISTORY: '50',
    TABMUX_HEARTBEAT: '12.5',
    TABMUX_ALLOW_ORIGIN: 'https://a.example, https://b.example',
    TABMUX_STATUS: 'true',
    TABMUX_TRUST_PROXY: '2',
    TABMUX_NODE_ID: 'node-a',
    TABMUX_DRAIN_DELAY: '1.5',
    TABMUX_DRAIN_SPREAD: '0',
  };
  const fromEnv = options([], env);
  assert.equal(fromEnv.port, 9001);
  assert.equal(fromEnv.host, '0.0.0.0');
  assert.equal(fromEnv.redis, 'redis://:secret@redis:6379/2');
  assert.equal(fromEnv.publishKey, 'pk');
  assert.equal(fromEnv.history, 50);
  assert.equal(fromEnv.heartbeat, 12.5);
  assert.deepEqual(fromEnv.allowOrigin, ['https://a.example', 'https://b.example']);
  assert.equal(fromEnv.status, true);
  assert.equal(fromEnv.trustProxy, 2);
  assert.equal(fromEnv.nodeId, 'node-a');
  assert.equal(fromEnv.drainDelay, 1.5);
  assert.equal(fromEnv.drainSpread, 0);

  const flagged = options(['--port', '9002', '--history', '7', '--allow-origin', 'https://c.example', '--trust-proxy'], env);
  assert.equal(flagged.port, 9002, 'a flag wins');
  assert.equal(flagged.history, 7);
  assert.deepEqual(flagged.allowOrigin, ['https://c.example']);
  assert.equal(flagged.trustProxy, true);
  assert.equal(flagged.redis, 'redis://:secret@redis:6379/2', 'what no flag sets still comes from the environment');
});

test('PORT is read after TABMUX_PORT; an empty variable is unset; booleans take true/false/1/0', () => {
  assert.equal(options([], { PORT: '3000' }).port, 3000);
  assert.equal(options([], { PORT: '3000', TABMUX_PORT: '4000' }).port, 4000);
  assert.equal(options(['--port', '5000'], { PORT: '3000' }).port, 5000);
  assert.equal(options([], { TABMUX_REDIS: '', TABMUX_HISTORY: '' }).redis, undefined);
  assert.equal(options([], { TABMUX_STATUS: '0' }).status, undefined);
  assert.equal(options([], { TABMUX_STATUS: 'yes' }).status, true);
  assert.equal(options([], { TABMUX_TRUST_PROXY: 'false' }).trustProxy, undefined);
  assert.equal(options([], { TABMUX_TRUST_PROXY: 'true' }).trustProxy, true);
  const command = parseCli([], { TABMUX_DEMO: '1', TABMUX_LOG_FORMAT: 'json' });
  assert.ok(command.type === 'start' && command.demo && command.logFormat === 'json' && command.options.status === true);
});

test('TABMUX_JWT_PUBLIC_KEY is a file, or the PEM / JWKS text itself', () => {
  const file = parseCli([], { TABMUX_JWT_PUBLIC_KEY: '/etc/tabmux/key.pem' });
  assert.ok(file.type === 'start' && file.jwtPublicKeyFile === '/etc/tabmux/key.pem' && file.options.jwtPublicKey === undefined);
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n';
  const inline = parseCli([], { TABMUX_JWT_PUBLIC_KEY: pem });
  assert.ok(inline.type === 'start' && inline.jwtPublicKeyFile === undefined && inline.options.jwtPublicKey === pem);
});

test('a bad value in the environment is the same usage error as the flag, naming the variable', () => {
  for (const [name, value, flagError] of [
    ['TABMUX_PORT', 'eighty', /--port needs a whole number/],
    ['PORT', '-1', /--port needs a whole number/],
    ['TABMUX_HEARTBEAT', 'x', /--heartbeat needs a number/],
    ['TABMUX_DRAIN_DELAY', 'soon', /--drain-delay needs a number/],
    ['TABMUX_LOG_FORMAT', 'xml', /--log-format is text or json/],
  ] as const) {
    const flag = name === 'PORT' ? 'port' : name.slice('TABMUX_'.length).toLowerCase().replace(/_/g, '-');
    assert.throws(() => parseCli([`--${flag}=${value}`]), flagError, `--${flag}=${value}`);
    assert.throws(() => parseCli([], { [name]: value }), (error: Error) => error instanceof UsageError && error.message.startsWith(`${name} `) && error.message.includes(JSON.stringify(value)), `${name}=${value}`);
  }
  assert.throws(() => parseCli([], { TABMUX_STATUS: 'maybe' }), /TABMUX_STATUS is true or false/);
  assert.throws(() => parseCli([], { TABMUX_TRUST_PROXY: 'two' }), /TABMUX_TRUST_PROXY is true or false/);
});

test('--help lists the variable of every option; --version prints the version', async () => {
  for (const flag of ENV_FLAGS) {
    assert.ok(HELP.includes(`--${flag}`), `--help lists --${flag}`);
    assert.match(HELP, new RegExp(`^  ${envName(flag)} +--${flag}$`, 'm'), `--help names ${envName(flag)}`);
  }
  assert.ok(HELP.includes('PORT'));
  for (const args of [['--version'], ['-v']]) {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    const code = await withTimeout(new Promise<number | null>((resolve) => child.on('exit', resolve)), SPAWN_MS, `tabmux-server ${args[0]}`);
    assert.equal(code, 0);
    assert.equal(out, `${TABMUX_VERSION}\n`);
  }
});

test('the CLI runs configured by environment only, and refuses a bad variable with exit 2', async () => {
  const spawnCli = (env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TABMUX_DRAIN_DELAY: '0', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, exited, out: () => out, err: () => err };
  };
  const bad = spawnCli({ TABMUX_MAX_MESSAGE_SIZE: 'big' });
  assert.equal(await withTimeout(bad.exited, SPAWN_MS, 'exit on a bad variable'), 2);
  assert.match(bad.err(), /^tabmux-server: TABMUX_MAX_MESSAGE_SIZE needs a whole number >= 0, got "big"\nRun tabmux-server --help/);

  const p = spawnCli({ PORT: '0', TABMUX_PUBLISH_KEY: 'env-key', TABMUX_STATUS: '1' });
  try {
    const url = await withTimeout(
      new Promise<string>((resolve) => {
        const check = () => {
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(p.out());
          if (match) resolve(match[1]!);
        };
        p.child.stdout.on('data', check);
      }),
      SPAWN_MS,
      'the listening line',
    );
    const body = JSON.stringify({ channel: 'a', data: 1 });
    const headers = { 'Content-Type': 'application/json' };
    assert.equal((await request(`${url}/publish`, { method: 'POST', headers, body })).status, 401, 'TABMUX_PUBLISH_KEY applies');
    assert.equal((await request(`${url}/publish`, { method: 'POST', headers: { ...headers, Authorization: 'Bearer env-key' }, body })).status, 200);
    assert.equal((await request(`${url}/status.json`, { headers: { Authorization: 'Bearer env-key' } })).status, 200, 'TABMUX_STATUS applies');
    p.child.kill('SIGTERM');
    assert.equal(await withTimeout(p.exited, SPAWN_MS, 'exit on SIGTERM'), 0);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});
