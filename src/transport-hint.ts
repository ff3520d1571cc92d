/**
 * `transport: 'auto'` remembers, per server URL, the transport that last opened, in localStorage
 * of the page's origin. The hub itself cannot keep it across restarts (a SharedWorker has no
 * localStorage, and IndexedDB would make every hub start wait on a database open), so the tabs
 * mirror it and hand it to the hub in their hello, like they mirror cursors. Entries expire after
 * a day, so a network that buffered streams once (a hotel proxy) does not pin long-polling forever.
 */
import type { TransportKind } from './hub-protocol/hub-api.js';

const KEY_PREFIX = 'tabmux:transport:';
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function recallTransport(url: string): TransportKind | undefined {
  try {
    // `<kind> <ms since epoch>`; anything else (an older format) reads as nothing: SSE first.
    const [kind, at] = (localStorage.getItem(KEY_PREFIX + url) ?? '').split(' ');
    if (!(Date.now() - Number(at) <= MAX_AGE_MS)) return undefined;
    return kind === 'sse' || kind === 'poll' || kind === 'ws' ? kind : undefined;
  } catch {
    return undefined; // storage disabled (privacy mode, sandboxed iframe): start from SSE
  }
}

export function rememberTransport(url: string, kind: TransportKind): void {
  try {
    localStorage.setItem(KEY_PREFIX + url, `${kind} ${Date.now()}`);
  } catch {
    // Not remembering only costs one more SSE attempt next time.
  }
}
