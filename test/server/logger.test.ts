/**
 * Logging (README, Logging): the `logger` option takes pino's shape, `level(fields, message)` —
 * a real pino logger and `console` as they are —, errors reach it with their stack, a logger that
 * throws breaks nothing, and `tabmux-server --log-format json` writes nothing but JSON lines.
 * The event used is a request that fails inside the server (a broker that throws on publish):
 * logged as `request failed` with the request and the error, answered 500 without either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createMemoryBroker } from '../../server/broker/memory.js';
import { consoleLogger, createPushServer, jsonLogger } from '../../server/index.js';
import type { Logger, PushServerOptions } from '../../server/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startServer } from '../helpers/server.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));

/** A server whose publishes fail inside it, and one such publish: the server logs `request failed`. */
async function failOnePublish(t: test.TestContext, logger: PushServerOptions['logger']): Promise<number> {
  const inner = createMemoryBroker({ history: 10 });
  const broker = { ...inner, publish: () => Promise.reject(new Error('broker exploded')) };
  const s = await startServer({ logger, broker });
  t.after(() => s.close());
  const answer = await fetch(`${s.url}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"channel":"a","data":1}' });
  const body = await answer.text();
  assert.doesNotMatch(body, /exploded/, 'the error stays in the log, out of the answer');
  return answer.status;
}

test('a pino logger as it is: level, message and fields of each event, the error with its stack', async (t) => {
  const lines: string[] = [];
  const logger = pino({ base: undefined }, { write: (line: string) => void lines.push(line) });
  assert.equal(await failOnePublish(t, logger), 500);
  const events = lines.map((line) => JSON.parse(line) as { level: number; msg: string; request: unknown; error: { type: string; message: string; stack: string } });
  const failed = events.find((event) => event.msg === 'request failed');
  assert.ok(failed, `logged: ${lines.join('')}`);
  assert.equal(failed.level, 50, "pino's error level");
  assert.equal(failed.error.type, 'Error');
  assert.equal(failed.error.message, 'broker exploded');
  assert.match(failed.error.stack, /broker exploded\n\s+at /);
  assert.ok(failed.request, 'the request is described');
});

test('console as it is: console.error(fields, message)', async (t) => {
  const error = t.mock.method(console, 'error', () => undefined);
  assert.equal(await failOnePublish(t, console), 500);
  const calls = error.mock.calls; // a copy, taken now
  const call = calls.find((c) => c.arguments[1] === 'request failed');
  assert.ok(call, `console.error calls: ${JSON.stringify(calls.map((c) => c.arguments))}`);
  assert.equal((call.arguments[0] as { error: { message: string } }).error.message, 'broker exploded');
});

test('jsonLogger writes one JSON object per line to stdout: level, ISO time, msg, the fields', (t) => {
  const write = t.mock.method(process.stdout, 'write', () => true);
  jsonLogger.warn({ channel: 'a', error: new Error('gone') }, 'something failed');
  jsonLogger.info({}, 'listening');
  const written = write.mock.calls;
  t.mock.restoreAll();
  const lines = written.map((call) => String(call.arguments[0]));
  assert.ok(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n')), 'one line each');
  const [warn, info] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(Object.keys(warn!), ['level', 'time', 'msg', 'channel', 'error']);
  assert.equal(warn!.level, 'warn');
  assert.equal(new Date(warn!.time as string).toISOString(), warn!.time, 'ISO 8601');
  assert.equal((warn!.error as { message: string }).message, 'gone');
  assert.deepEqual(Object.keys(info!), ['level', 'time', 'msg']);
});

test('consoleLogger writes text lines: `tabmux <level>: <message> <fields as JSON>`', (t) => {
  const warn = t.mock.method(console, 'warn', () => undefined);
  consoleLogger.warn({ open: 2 }, 'close timed out');
  assert.equal(warn.mock.calls[0]?.arguments[0], 'tabmux warn: close timed out {"open":2}');
});

test('a logger that throws breaks no request; a logger without the three methods is refused at creation', async (t) => {
  const throwing: Logger = {
    info: () => undefined,
    warn: () => undefined,
    error: () => {
      throw new Error('the log sink is down');
    },
  };
  assert.equal(await failOnePublish(t, throwing), 500, 'still answered');
  assert.throws(() => createPushServer({ logger: { info: () => undefined } as unknown as Logger }), /option logger must have info, warn and error/);
});

test('tabmux-server --log-format json: every line of its output is a JSON object, its own lines included', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const events = () => stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { level: string; msg: string; url?: string });
    const listening = await waitFor('the listening event', () => events().find((event) => event.msg === 'listening'));
    assert.match(listening.url!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await waitFor('the open-server warning, as an event', () => events().some((event) => event.level === 'warn' && /OPEN/.test(event.msg)));
    assert.equal((await fetch(`${listening.url}health`)).status, 200);
    child.kill('SIGTERM');
    assert.equal(await withTimeout(exited, 10_000, 'the CLI to exit on SIGTERM'), 0);
    await waitFor('the last output to be read', () => events().some((event) => event.msg === 'closing gracefully'));
    assert.equal(stderr, '', 'nothing outside the JSON lines');
  } finally {
    child.kill('SIGKILL');
  }
});

test('--log-format takes text or json; anything else is a usage error (exit 2)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--log-format', 'xml'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const code = await withTimeout(new Promise<number | null>((resolve) => child.once('exit', resolve)), 15_000, 'the CLI to refuse --log-format xml');
  assert.equal(code, 2);
  assert.match(stderr, /--log-format is text or json/);
});
