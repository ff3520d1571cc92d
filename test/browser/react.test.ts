// `tabmux/react` under a real React (the one in devDependencies, served by react-plugin.js) in
// real Chromium, against the real hub and push server: what a component renders, and that
// StrictMode's double mount and unmounting leave no subscription behind.
import { createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { connect, type Mux } from '../../src/index.js';
import { useChannel, useMuxState } from '../../src/react/index.js';
import { assertEqual } from '../helpers/in-page-assert.js';
import { pushServerUrl } from '../helpers/iframe-tabs.js';
import { waitFor } from '../helpers/wait.js';

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
    await waitFor('the first render: nothing before the first message', () => text('price') === '…');
    await waitFor('the channel to be subscribed upstream', async () => (await channelsOfTab()).includes('rt-prices:AAPL'));
    await waitFor('the state badge to show open', () => text('state') === 'open');
    await mux.publish('rt-prices:AAPL', { symbol: 'AAPL', price: 231.5 });
    await waitFor('the first price', () => text('price') === 'AAPL 231.5');
    await mux.publish('rt-prices:AAPL', { symbol: 'AAPL', price: 232 });
    await waitFor('the latest price', () => text('price') === 'AAPL 232');
    // StrictMode mounted the effects twice: exactly one subscription remains, and unmounting ends it.
    assertEqual(await channelsOfTab(), ['rt-prices:AAPL'], 'channels of this tab');
    root.unmount();
    await waitFor('the channel to leave the hub', async () => (await channelsOfTab()).length === 0);
    root = createRoot(container); // for afterEach
  });

  it('another channel starts empty and the old one is unsubscribed', async () => {
    render('IBM');
    await waitFor('IBM subscribed', async () => (await channelsOfTab()).includes('rt-prices:IBM'));
    await mux.publish('rt-prices:IBM', { symbol: 'IBM', price: 1 });
    await waitFor('the IBM price', () => text('price') === 'IBM 1');
    render('MSFT');
    await waitFor('the new channel to start empty', () => text('price') === '…');
    await waitFor('only MSFT subscribed', async () => (await channelsOfTab()).join() === 'rt-prices:MSFT');
    await mux.publish('rt-prices:MSFT', { symbol: 'MSFT', price: 2 });
    await waitFor('the MSFT price', () => text('price') === 'MSFT 2');
  });

  it('useMuxState follows the mux to closed', async () => {
    render('NVDA');
    await waitFor('open', () => text('state') === 'open');
    mux.close();
    await waitFor('the badge to show closed', () => text('state') === 'closed');
  });
});
