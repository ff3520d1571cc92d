/**
 * deferredLink (src/hosts/deferred-link.ts), the shape of every host whose hub side is wired
 * later (the in-page hub loaded on demand, and any host whose code is a lazy module): the endpoint
 * is usable at once, what the tab posts meanwhile reaches the hub side, a failure surfaces as the
 * client's own TabmuxError even when it comes from a lazy module's copy of the class, and a link
 * closed before it was wired closes what gets wired.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deferredLink } from '../../src/hosts/deferred-link.js';
import { TabmuxError } from '../../src/errors.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

/** What a lazy module's own copy of TabmuxError looks like from the client: same name, another class. */
class OtherCopyOfTabmuxError extends Error {
  override readonly name = 'TabmuxError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const WAIT_MS = 5000;

test('a message posted before the hub side is wired reaches it once wired', async () => {
  let wire!: (port: MessagePort) => void;
  const wiredPort = new Promise<MessagePort>((resolve) => (wire = resolve));
  let release!: () => void;
  const link = deferredLink('direct', async (port) => {
    await new Promise<void>((resolve) => (release = resolve));
    wire(port);
    return { close: () => port.close() };
  });
  (link.endpoint as MessagePort).postMessage('hello before wiring');
  release();
  const port = await withTimeout(wiredPort, WAIT_MS, 'the hub side to be wired');
  const first = await withTimeout(new Promise<unknown>((resolve) => (port.onmessage = (event) => resolve(event.data))), WAIT_MS, 'the message posted before wiring');
  assert.equal(first, 'hello before wiring');
  link.close();
});

test("a lazy module's TabmuxError (another copy of the class) fails the link as the client's TabmuxError", async () => {
  const link = deferredLink('leader', async () => {
    throw new OtherCopyOfTabmuxError('TABMUX_ERR_NO_HOST', 'Web Locks refused this page');
  });
  const error = await withTimeout(link.failed.then(() => undefined, (e: unknown) => e), WAIT_MS, 'the link to fail');
  assert.ok(error instanceof TabmuxError, `a TabmuxError of the client (got ${String(error)})`);
  assert.equal(error.code, 'TABMUX_ERR_NO_HOST');
  assert.equal(error.message, 'Web Locks refused this page');
  link.close();
});

test('a failure after wiring (the wired `failed`) fails the link; other errors pass through unchanged', async () => {
  const plain = new TypeError('Failed to fetch dynamically imported module');
  const link = deferredLink('service-worker', async (port) => ({ failed: Promise.reject(plain), close: () => port.close() }));
  assert.equal(await withTimeout(link.failed.then(() => undefined, (e: unknown) => e), WAIT_MS, 'the link to fail'), plain);
  link.close();
});

test('closed before the hub side is wired: what gets wired is closed at once', async () => {
  let release!: () => void;
  let closedWired = false;
  const link = deferredLink('direct', async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return { close: () => (closedWired = true) };
  });
  link.close();
  release();
  await waitFor('what got wired to be closed', () => closedWired, WAIT_MS, 0);
  assert.equal(closedWired, true);
});
