/**
 * The hub in a SharedWorker: one per (origin, name) for the whole browser profile, which is
 * exactly "one connection per origin". Chrome for Android has it from 148, Safari from 16.
 */
import { TabmuxError } from '../errors.js';
import type { Host } from './types.js';

export const sharedWorkerHost: Host = {
  kind: 'shared-worker',
  canBeUsed: () => typeof SharedWorker === 'function',
  whyNot: () => 'SharedWorker is not defined in this browser',
  open({ workerUrl, name }) {
    // Classic, not module: dist/worker.js is one IIFE, which also runs where module workers do not.
    const worker = new SharedWorker(workerUrl, { name });
    const failed = new Promise<never>((_, reject) => {
      // Fired when the script fails to load or to evaluate (WHATWG HTML §10.2.6.4 "run a worker").
      worker.addEventListener('error', () => reject(new TabmuxError('TABMUX_ERR_NO_HOST', `the hub script ${workerUrl} failed to load as a SharedWorker`)));
    });
    failed.catch(() => undefined);
    return {
      kind: 'shared-worker',
      endpoint: worker.port,
      failed,
      close: () => worker.port.close(),
    };
  },
};
