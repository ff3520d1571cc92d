/**
 * Type tests of `tabmux/react` (README "React"): the hooks take the types of the mux's channel
 * map, or a data type given by hand. Calls outside a component only type-check here; the hooks
 * run under React in test/browser/react.test.ts.
 */
import { connect } from 'tabmux';
import type { Message, MuxState } from 'tabmux';
import { useChannel, useMuxState } from 'tabmux/react';
import type { UseChannelOptions } from 'tabmux/react';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

interface Price {
  readonly price: number;
}
interface Chat {
  readonly text: string;
}

// ── positive ──────────────────────────────────────────────────────────────────────────────────
const mux = connect({ url: '/' });
const anything = useChannel(mux, 'prices:AAPL');
expectType<Equal<typeof anything, Message | null>>(true);
const price = useChannel<Price>(mux, 'prices:AAPL', { keepAliveWhenHidden: true });
expectType<Equal<typeof price, Message<Price> | null>>(true);
void price?.data.price.toFixed(2);

const typed = connect<{ prices: Price; 'chat:lobby': Chat; [channel: `room:${string}`]: Chat }>({ url: '/' });
const chat = useChannel(typed, 'chat:lobby');
expectType<Equal<typeof chat, Message<Chat> | null>>(true);
const room = useChannel(typed, 'room:42');
expectType<Equal<typeof room, Message<Chat> | null>>(true);

const state: MuxState = useMuxState(mux);
const typedState = useMuxState(typed);
expectType<Equal<typeof typedState, MuxState>>(true);
const options: UseChannelOptions = { keepAliveWhenHidden: false };
void [state, options, anything, chat, room, typedState];

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error not a channel of the map
useChannel(typed, 'chat:general');
// @ts-expect-error a mux is required
useChannel('prices');
// @ts-expect-error a Price has no text
void useChannel(typed, 'prices')?.data.text;
// @ts-expect-error the message is null before the first one
void useChannel(mux, 'prices').data;
// @ts-expect-error not an option of the hook
useChannel(mux, 'prices', { replay: true });
