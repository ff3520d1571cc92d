/**
 * Type tests of typed channel maps (README "Typed channels"): `connect<{ … }>()` gives each
 * channel its data type in `subscribe` and `publish`; channels outside the map are refused.
 */
import { connect } from 'tabmux';
import type { Message, Mux } from 'tabmux';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

interface Price {
  readonly symbol: string;
  readonly price: number;
}
interface Chat {
  readonly from: string;
  readonly text: string;
}
type AppChannels = { prices: Price; 'chat:lobby': Chat };

// ── positive ──────────────────────────────────────────────────────────────────────────────────
const mux = connect<AppChannels>({ url: 'https://push.example.com' });
expectType<Equal<typeof mux, Mux<AppChannels>>>(true);
mux.subscribe('prices', (message) => {
  expectType<Equal<typeof message, Message<Price>>>(true);
  void message.data.price.toFixed(2);
});
mux.subscribe('chat:lobby', ({ data }) => {
  expectType<Equal<typeof data, Chat>>(true);
  void data.text;
});
mux.subscribe('chat:lobby', (message: Message<Chat>) => void message.data.from, { keepAliveWhenHidden: true });
void mux.publish('chat:lobby', { from: 'ada', text: 'hi' });
void mux.publish('prices', { symbol: 'AAPL', price: 1 });

// An interface works as a map too, and a template-literal key types a family of channels.
interface Family {
  [channel: `prices:${string}`]: Price;
  status: 'up' | 'down';
}
const family = connect<Family>({ url: '/' });
family.subscribe('prices:AAPL', ({ data }) => void data.price);
family.subscribe('status', ({ data }) => {
  expectType<Equal<typeof data, 'up' | 'down'>>(true);
  void data;
});
void family.publish('status', 'up');

// Without a map, any channel name and `unknown` data, as before.
const untyped = connect({ url: '/' });
expectType<Equal<typeof untyped, Mux>>(true);
untyped.subscribe('anything', ({ data }) => {
  expectType<Equal<typeof data, unknown>>(true);
  void data;
});

// A typed mux is still a Mux for code that only passes it around.
const anyMux: Mux<AppChannels> = mux;
void anyMux;

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error not a channel of the map (a typo must not pass silently)
mux.subscribe('price', () => undefined);
// @ts-expect-error not a channel of the map
void mux.publish('chat:general', { from: 'ada', text: 'hi' });
// @ts-expect-error the data of 'prices' is a Price, not a Chat
void mux.publish('prices', { from: 'ada', text: 'hi' });
// @ts-expect-error the data of 'chat:lobby' needs its text
void mux.publish('chat:lobby', { from: 'ada' });
mux.subscribe('prices', (message) => {
  // @ts-expect-error a Price has no text
  void message.data.text;
});
// @ts-expect-error a handler of Chat messages does not fit 'prices'
mux.subscribe('prices', (message: Message<Chat>) => void message);
// @ts-expect-error the family's data is a Price
void family.publish('prices:MSFT', { from: 'ada', text: 'hi' });
// @ts-expect-error not a status
void family.publish('status', 'sideways');
// @ts-expect-error not a channel of the family
family.subscribe('volume:AAPL', () => undefined);
