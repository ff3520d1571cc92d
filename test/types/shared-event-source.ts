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

// ── it IS an EventSource to the type checker: lib.dom's types, overloads and `this` ───────────
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

const es: EventSource = new SharedEventSource('/events');
es.onmessage = (e) => e.data;
function takesEventSource(target: EventSource): void {
  target.close();
}
takesEventSource(source);
const EventSourceClass: typeof EventSource = SharedEventSource;
void new EventSourceClass('/events', { withCredentials: true });

source.onmessage = (event) => {
  expectType<Equal<typeof event, MessageEvent>>(true);
  const data: string = event.data;
  const lastEventId: string = event.lastEventId;
  void [data, lastEventId, event.origin];
};
source.onmessage = function () {
  expectType<Equal<typeof this, EventSource>>(true);
  this.close();
};
source.onopen = (event) => {
  expectType<Equal<typeof event, Event>>(true);
  void event;
};
source.onerror = (event) => {
  expectType<Equal<typeof event, Event>>(true);
  void event;
};
const onmessage: ((this: EventSource, event: MessageEvent) => unknown) | null = source.onmessage;
void onmessage;

source.addEventListener('message', (event) => {
  expectType<Equal<typeof event, MessageEvent>>(true);
  void event;
});
source.addEventListener('open', (event) => {
  expectType<Equal<typeof event, Event>>(true);
  void event;
});
source.addEventListener('error', (event) => {
  expectType<Equal<typeof event, Event>>(true);
  void event;
}, { once: true });
// A named event type (`event: price` on the wire) is a MessageEvent, as on EventSource.
const onPrice = (event: MessageEvent) => void JSON.parse(event.data);
source.addEventListener('price', onPrice);
source.removeEventListener('price', onPrice);
source.addEventListener('price', (event) => {
  expectType<Equal<typeof event, MessageEvent>>(true);
  void event;
});
const listenerObject: EventListenerObject = { handleEvent: (event) => void event.type };
source.addEventListener('price', listenerObject, { signal: new AbortController().signal });
source.removeEventListener('price', listenerObject);
const onOpen = (event: Event) => void event.type;
source.removeEventListener('open', onOpen, false);

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error a URL is required
new SharedEventSource();
// @ts-expect-error url is read-only
source.url = '/other';
// @ts-expect-error readyState is read-only
source.readyState = 1;
// @ts-expect-error withCredentials is a boolean
new SharedEventSource('/events', { withCredentials: 'include' });
// @ts-expect-error onmessage receives a MessageEvent, not a CloseEvent
source.onmessage = (event: CloseEvent) => void event.code;
// @ts-expect-error a handler is a function or null
source.onopen = 42;
// @ts-expect-error a listener is required
source.addEventListener('price');
source.onmessage = (event) => {
  // @ts-expect-error a MessageEvent has no such field
  void event.payload;
};
