/**
 * The hub in a SharedWorker: one per (origin, name) for the whole browser profile, which is
 * exactly "one connection per origin". Chrome for Android has it from 148, Safari from 16.
 */
import { TabmuxError } from '../errors.js';
import type { Host } from './types.js';

/**
 * A hub that has not answered by then gets its script checked. Chromium does not always fire
 * `error` at a SharedWorker whose script 404s (seen in e2e right after a browser context that ran
 * Service Workers closed): without this, `auto` would wait out the whole hello timeout.
 */
const SCRIPT_CHECK_AFTER_MS = 2000;
/**
 * A connect that reaches an instance as it closes (a hub retiring for a deploy) is dropped by
 * Chromium without an error, even after the instance's life lock was released: connect() says
 * hello again on a fresh SharedWorker after this, which reaches the next instance. A repeat that
 * reaches a live but slow instance costs one more answered hello.
 */
const RETRY_HELLO_MS = 1000;

export const sharedWorkerHost: Host = {
  kind: 'shared-worker',
  canBeUsed: () => typeof SharedWorker === 'function',
  whyNot: () => 'SharedWorker is not defined in this browser',
  retryHelloMs: RETRY_HELLO_MS,
  open({ workerUrl, name }) {
    // Classic, not module: dist/worker.js is one IIFE, which also runs where module workers do not.
    const worker = new SharedWorker(workerUrl, { name });
    let check: ReturnType<typeof setTimeout> | undefined;
    const failed = new Promise<never>((_, reject) => {
      const fail = () => reject(new TabmuxError('TABMUX_ERR_NO_HOST', `the hub script ${workerUrl} failed to load as a SharedWorker`));
      // Fired when the script fails to load or to evaluate (WHATWG HTML §10.2.6.4 "run a worker").
      worker.addEventListener('error', fail);
      check = setTimeout(() => {
        // The same request the worker made; only its status matters.
        fetch(workerUrl, { cache: 'no-store' }).then((response) => {
          void response.body?.cancel();
          if (!response.ok) fail();
        }, () => undefined);
      }, SCRIPT_CHECK_AFTER_MS);
    });
    failed.catch(() => undefined);
    const stopCheck = () => clearTimeout(check);
    return {
      kind: 'shared-worker',
      endpoint: worker.port,
      failed,
      answered: stopCheck,
      close: () => {
        stopCheck();
        worker.port.close();
      },
    };
  },
};
