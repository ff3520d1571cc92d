// `tabmux/react` under a real React (the one in devDependencies, served by react-plugin.js) in
// real Chromium, against the real hub and push server: what a component renders, and that
// StrictMode's double mount and unmounting leave no subscription behind.
import { createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { connect, type Mux } from '../../src/index.js';
import { useChannel, useMuxState } from '../../src/react/index.js';
import { assertEqual } from './assert.js';
import { pushServerUrl, waitUntil } from './tabs.js';

interface Price {
  readonly symbol: string;
  readonly price: number;
}
type Channels = { [channel: `rt-prices:${string}`]: Price };

function PriceCell({ mux, symbol }: { mux: Mux<Channels>; symbol: string }): ReactNode {
  const message = useChannel(mux, `rt-prices:${symbol}`);
  return createElement('output', { id: 'price' }, message ? `${message.data.symbol} ${message.data.price}` : '…');
}

function StateBadge({ mux }: { mux: Mux<Channels> }): ReactNode {
  return createElement('output', { id: 'state' }, useMuxState(mux));
}

let container: HTMLElement;
let root: Root;
let mux: Mux<Channels>;
const text = (id: string) => container.querySelector(`#${id}`)?.textContent ?? null;
/** This file's channels that some tab of the hub holds (other files' tabs may share the hub). */
const channelsOfTab = async () =>
  Object.entries((await mux.debug()).channels)
    .filter(([name, channel]) => name.startsWith('rt-') && channel.tabs > 0)
    .map(([name]) => name);
const render = (symbol: string) => root.render(createElement(StrictMode, null, createElement(StateBadge, { mux }), createElement(PriceCell, { mux, symbol })));

beforeEach(async () => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  mux = connect<Channels>({ url: await pushServerUrl(), worker: '/dist/worker.js' });
});
afterEach(() => {
  root.unmount();
  mux.close();
  container.remove();
});

describe('tabmux/react', () => {
  it('useChannel renders the latest message; useMuxState the state; StrictMode leaves one subscription', async () => {
    render('AAPL');
    await waitUntil('the first render: nothing before the first message', () => text('price') === '…');
    await waitUntil('the channel to be subscribed upstream', async () => (await channelsOfTab()).includes('rt-prices:AAPL'));
    await waitUntil('the state badge to show open', () => text('state') === 'open');
    await mux.publish('rt-prices:AAPL', { symbol: 'AAPL', price: 231.5 });
    await waitUntil('the first price', () => text('price') === 'AAPL 231.5');
    await mux.publish('rt-prices:AAPL', { symbol: 'AAPL', price: 232 });
    await waitUntil('the latest price', () => text('price') === 'AAPL 232');
    // StrictMode mounted the effects twice: exactly one subscription remains, and unmounting ends it.
    assertEqual(await channelsOfTab(), ['rt-prices:AAPL'], 'channels of this tab');
    root.unmount();
    await waitUntil('the channel to leave the hub', async () => (await channelsOfTab()).length === 0);
    root = createRoot(container); // for afterEach
  });

  it('another channel starts empty and the old one is unsubscribed', async () => {
    render('IBM');
    await waitUntil('IBM subscribed', async () => (await channelsOfTab()).includes('rt-prices:IBM'));
    await mux.publish('rt-prices:IBM', { symbol: 'IBM', price: 1 });
    await waitUntil('the IBM price', () => text('price') === 'IBM 1');
    render('MSFT');
    await waitUntil('the new channel to start empty', () => text('price') === '…');
    await waitUntil('only MSFT subscribed', async () => (await channelsOfTab()).join() === 'rt-prices:MSFT');
    await mux.publish('rt-prices:MSFT', { symbol: 'MSFT', price: 2 });
    await waitUntil('the MSFT price', () => text('price') === 'MSFT 2');
  });

  it('useMuxState follows the mux to closed', async () => {
    render('NVDA');
    await waitUntil('open', () => text('state') === 'open');
    mux.close();
    await waitUntil('the badge to show closed', () => text('state') === 'closed');
  });
});
