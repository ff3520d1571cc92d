/**
 * Type tests of `SharedEventSource`, the drop-in for `EventSource` (README, section "SharedEventSource").
 * Imported by package name, as users do.
 */
import { SharedEventSource } from 'tabmux';
import type { SharedEventSourceInit } from 'tabmux';

// ── positive: it is usable wherever an EventSource's surface is used ───────────────────────────
const init: SharedEventSourceInit = { withCredentials: true, worker: '/tabmux-worker.js' };
const source = new SharedEventSource('/events', init);
new SharedEventSource(new URL('https://example.com/events'));
const url: string = source.url;
const withCredentials: boolean = source.withCredentials;
const state: 0 | 1 | 2 = source.readyState;
const constants: [0, 1, 2] = [SharedEventSource.CONNECTING, SharedEventSource.OPEN, SharedEventSource.CLOSED];
void [url, withCredentials, state, constants];
source.onmessage = (event) => void event;
source.onopen = null;
source.addEventListener('price', (event) => void event);
source.close();

/** Code written against EventSource's members takes a SharedEventSource as well. */
type EventSourceLike = Pick<EventSource, 'url' | 'withCredentials' | 'readyState' | 'close' | 'CONNECTING' | 'OPEN' | 'CLOSED'>;
const like: EventSourceLike = source;
void like;

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error a URL is required
new SharedEventSource();
// @ts-expect-error url is read-only
source.url = '/other';
// @ts-expect-error readyState is read-only
source.readyState = 1;
// @ts-expect-error withCredentials is a boolean
new SharedEventSource('/events', { withCredentials: 'include' });
