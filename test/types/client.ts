/**
 * Type tests of `tabmux` (the browser client, README section "Client API"). Positive cases must
 * compile; every `@ts-expect-error` line must NOT compile (tsc fails if one ever does).
 */
import { connect, TabmuxError } from 'tabmux';
import { ERROR_CODES, channelNameProblem, parseEventId } from 'tabmux/protocol';
// The protocol's types stay on the root entry (they cost a page nothing); its values moved to `tabmux/protocol`.
import type { ErrorCode, EventId, WireMessage } from 'tabmux';
import * as root from 'tabmux';
import type { ClientErrorCode, ConnectOptions, DebugSnapshot, Delivery, HostKind, HostOption, Message, MessageHandler, Mux, MuxState, SubscribeOptions, Subscription } from 'tabmux';

// A value, not only a type, whatever the importing project's settings (verbatimModuleSyntax or not).
// @ts-expect-error the protocol helpers' values are `tabmux/protocol`, not the root entry (README, Size)
void root.isValidChannelName;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

// ── positive ──────────────────────────────────────────────────────────────────────────────────
const mux: Mux = connect({
  url: 'http://127.0.0.1:8080',
  worker: '/tabmux-worker.js',
  transport: 'auto',
  host: 'auto',
  token: () => Promise.resolve('jwt'),
  pauseWhenHidden: 60,
});
connect({ url: '/', transport: 'sse', host: 'shared-worker', token: 'jwt', pauseWhenHidden: false });
connect({ url: '/', transport: 'ws', host: 'service-worker', token: () => 'jwt' });
connect({ url: '/', transport: 'poll', host: 'leader' });
connect({ url: '/', host: 'direct' });

const state: MuxState = mux.state;
expectType<Equal<MuxState, 'connecting' | 'open' | 'paused' | 'closed'>>(true);
void state;

const sub: Subscription = mux.subscribe('prices', (message) => {
  expectType<Equal<typeof message, Message>>(true);
  const channel: string = message.channel;
  const id: string = message.id;
  const data: unknown = message.data;
  void [channel, id, data];
});
const ready: Promise<void> = sub.ready;
void ready;
sub.unsubscribe();
// One-tab delivery (README, One tab per message): the same handler and subscription types.
const notify: Subscription = mux.subscribe('notifications', (message: Message) => void message, { delivery: 'one-tab' });
mux.subscribe('notifications', () => undefined, { delivery: 'every-tab', keepAliveWhenHidden: true });
expectType<Equal<Delivery, 'every-tab' | 'one-tab'>>(true);
expectType<Equal<SubscribeOptions['delivery'], Delivery | undefined>>(true);
void notify;

async function publishes(): Promise<void> {
  const { id } = await mux.publish('chat:lobby', { text: 'hi' });
  expectType<Equal<typeof id, string>>(true);
  void id;
}
void publishes;

const off: () => void = mux.on('state', (s) => {
  expectType<Equal<typeof s, MuxState>>(true);
  void s;
});
off();
mux.on('error', (error) => {
  expectType<Equal<typeof error, TabmuxError>>(true);
  const code: ClientErrorCode = error.code;
  if (code === 'TABMUX_ERR_NETWORK' || code === 'TABMUX_ERR_FORBIDDEN') void code;
});
mux.on('reset', ({ channel, code }) => void [channel satisfies string, code satisfies ClientErrorCode]);
const serverCode: ClientErrorCode = ERROR_CODES[0];
void serverCode;
const catalogCode: ErrorCode = ERROR_CODES[0];
const problem: string | undefined = channelNameProblem('prices');
const parsed: EventId | undefined = parseEventId('m0-1');
const wire: WireMessage = { channel: 'prices', id: 'm0-1', data: null };
void [catalogCode, problem, parsed, wire];
const error = new TabmuxError('TABMUX_ERR_CLOSED', 'closed');
if (error instanceof Error) void error.message;
mux.close();

const options: ConnectOptions = { url: 'https://push.example.com' };
void options;

// debug(): the hub's snapshot (fields of before kept) plus the hub's version and the host choice.
async function debugs(): Promise<void> {
  const snapshot: DebugSnapshot = await mux.debug();
  expectType<Equal<typeof snapshot.host, HostKind>>(true);
  const before: { hubId: string; tabs: number; connects: number; state: MuxState } = snapshot;
  const version: string = snapshot.version;
  const option: HostOption = snapshot.hostChoice.option;
  const picked: HostKind = snapshot.hostChoice.picked;
  for (const { host, reason } of snapshot.hostChoice.skipped) void [host satisfies HostKind, reason satisfies string];
  void [before, version, option, picked];
  // @ts-expect-error the snapshot is read-only
  snapshot.hostChoice.skipped.push({ host: 'leader', reason: 'x' });
  // @ts-expect-error not a host kind
  void (snapshot.hostChoice.picked === 'iframe');
}
void debugs;

// ── negative ──────────────────────────────────────────────────────────────────────────────────
// @ts-expect-error url is required
connect({});
// @ts-expect-error options are required
connect();
// @ts-expect-error not a transport
connect({ url: '/', transport: 'websocket' });
// @ts-expect-error not a host
connect({ url: '/', host: 'iframe' });
// @ts-expect-error pauseWhenHidden is seconds or false, never true
connect({ url: '/', pauseWhenHidden: true });
// @ts-expect-error a token is a string or a function returning one
connect({ url: '/', token: 42 });
// @ts-expect-error unknown option (a typo must not pass silently)
connect({ url: '/', transprot: 'sse' });

// @ts-expect-error state is read-only
mux.state = 'open';
// @ts-expect-error a handler is required
mux.subscribe('prices');
// @ts-expect-error delivery is 'every-tab' or 'one-tab'
mux.subscribe('prices', () => undefined, { delivery: 'one_tab' });
mux.subscribe('prices', (message) => {
  // @ts-expect-error data is unknown: narrow it before use
  void message.data.price;
  // @ts-expect-error message fields are read-only
  message.id = 'x';
});
// @ts-expect-error not an event of the mux
mux.on('message', () => undefined);
// @ts-expect-error the state listener receives a MuxState, not a number
mux.on('state', (s: number) => void s);
mux.on('error', (e) => {
  // @ts-expect-error not a code tabmux can report
  if (e.code === 'TABMUX_ERR_NOPE') void e;
});
// @ts-expect-error publish needs the data
void mux.publish('chat:lobby');
// @ts-expect-error the publish answer has no such field
void mux.publish('c', 1).then((r) => r.seq);
// @ts-expect-error not a client error code
new TabmuxError('E_NOPE', 'x');

// ── typed data without a channel map: subscribe<T>, Message<T>, publish<T> ───────────────────
interface Price {
  readonly symbol: string;
  readonly price: number;
}
mux.subscribe<Price>('prices:AAPL', (message) => {
  expectType<Equal<typeof message, Message<Price>>>(true);
  const price: number = message.data.price;
  void price;
  // @ts-expect-error Price has no such field
  void message.data.volume;
});
const priceHandler: MessageHandler<Price> = ({ data }) => void data.symbol.toUpperCase();
mux.subscribe('prices:AAPL', priceHandler);
mux.subscribe('prices:AAPL', (message: Message<Price>) => void message.data.price);
void mux.publish<Price>('prices:AAPL', { symbol: 'AAPL', price: 231.5 });
// @ts-expect-error the data must be a Price
void mux.publish<Price>('prices:AAPL', { symbol: 'AAPL' });
// @ts-expect-error the data must be a Price
void mux.publish<Price>('prices:AAPL', 'AAPL 231.5');
// @ts-expect-error a handler of Price messages takes no string messages
const stringHandler: MessageHandler<string> = priceHandler;
void stringHandler;
