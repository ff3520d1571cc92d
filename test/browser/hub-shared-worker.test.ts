// The client and the hub in real Chromium, Firefox and WebKit (web-test-runner.config.js): real
// SharedWorker, real Web Locks, real push server; same-origin iframes act as tabs.
import { assert, assertEqual } from '../helpers/in-page-assert.js';
import { TabmuxError } from '../../src/index.js';
import { metric, openTab, subscribeAll, type TestTab } from '../helpers/iframe-tabs.js';
import { waitFor } from '../helpers/wait.js';

/** Each wait's bound (well within the 20 s a test may take, web-test-runner.config.js) and how often it looks. */
const WAIT_MS = 10_000;
const EVERY_MS = 20;

const opened: TestTab[] = [];
async function tab(options?: Parameters<typeof openTab>[0]): Promise<TestTab> {
  const t = await openTab(options);
  opened.push(t);
  return t;
}
afterEach(async () => {
  for (const t of opened.splice(0)) {
    t.mux.close();
    t.remove();
  }
  await waitFor('every upstream of the test to close', async () => (await metric('tabmux_connections')) === 0, WAIT_MS, EVERY_MS);
});

describe('SharedWorker hub', () => {
  it('three tabs share one upstream; each receives what any tab publishes, in order', async () => {
    const tabs = [await tab({ transport: 'sse' }), await tab({ transport: 'sse' }), await tab({ transport: 'sse' })];
    await Promise.all(tabs.map((t) => subscribeAll(t, 'bt-chat')));
    assertEqual(await metric('tabmux_connections', '{transport="sse"}'), 1, 'upstream connections');
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) ids.push((await tabs[n % 3]!.mux.publish('bt-chat', { n })).id);
    assertEqual(new Set(ids).size, 30, 'distinct ids');
    await waitFor('all tabs to get 30 messages', () => tabs.every((t) => t.received['bt-chat']!.length >= 30), WAIT_MS, EVERY_MS);
    for (const t of tabs) assertEqual(t.received['bt-chat'], Array.from({ length: 30 }, (_, n) => ({ n })), 'messages');
    const debug = await tabs[0]!.mux.debug();
    assertEqual([debug.host, debug.transport, debug.upstream, debug.tabs], ['shared-worker', 'sse', 'open', 3], 'debug()');
    assertEqual(debug.channels['bt-chat']?.tabs, 3, 'tabs on the channel');
    assert(typeof debug.channels['bt-chat']?.cursor === 'string', 'a cursor per channel');
  });

  it('publishes over the WebSocket when that is the transport', async () => {
    const t = await tab({ transport: 'ws' });
    await subscribeAll(t, 'bt-ws');
    const before = await metric('tabmux_messages_published_total');
    const { id } = await t.mux.publish('bt-ws', { hello: 'ws' });
    assert(/^[0-9a-z]+-[0-9a-z]+$/.test(id), `an id: ${id}`);
    await waitFor('the message to come back', () => t.received['bt-ws']!.length === 1, WAIT_MS, EVERY_MS);
    assertEqual(await metric('tabmux_messages_published_total'), before + 1, 'published once');
    assertEqual((await t.mux.debug()).transport, 'ws', 'transport');
  });

  it('errors carry stable codes across the Comlink boundary', async () => {
    const t = await tab();
    let thrown: unknown;
    try {
      t.mux.subscribe('not a channel', () => undefined);
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof TabmuxError || (thrown as { code?: string })?.code === 'TABMUX_ERR_BAD_CHANNEL', 'bad channel refused');
    assertEqual((thrown as { code: string }).code, 'TABMUX_ERR_BAD_CHANNEL', 'code');
    const tooLarge = await t.mux.publish('bt-big', { text: 'x'.repeat(70 * 1024) }).then(
      () => 'published',
      (error: { code?: string }) => error.code,
    );
    assertEqual(tooLarge, 'TABMUX_ERR_TOO_LARGE', 'server code reaches the tab');
  });

  it('state events reach every tab, and close() ends with closed', async () => {
    const a = await tab();
    const b = await tab();
    await subscribeAll(a, 'bt-state');
    await waitFor('both tabs to see open', () => a.mux.state === 'open' && b.mux.state === 'open', WAIT_MS, EVERY_MS);
    a.mux.close();
    assertEqual(a.mux.state, 'closed', 'closed at once');
    assertEqual(a.states.at(-1), 'closed', 'event');
  });

  it('a tab that disappears without a word is dropped (Web Lock liveness) and its channels leave the upstream', async () => {
    const stay = await tab({ transport: 'sse' });
    const leave = await tab({ transport: 'sse' });
    await subscribeAll(stay, 'bt-stay');
    await subscribeAll(leave, 'bt-leave');
    await waitFor('two channels upstream', async () => (await metric('tabmux_subscriptions')) === 2, WAIT_MS, EVERY_MS);
    opened.splice(opened.indexOf(leave), 1);
    leave.remove(); // the iframe's document is destroyed: no close(), no bye
    await waitFor('the hub to count one tab', async () => (await stay.mux.debug()).tabs === 1, WAIT_MS, EVERY_MS);
    await waitFor('the upstream to drop the channel', async () => (await metric('tabmux_subscriptions')) === 1, WAIT_MS, EVERY_MS);
    assertEqual(Object.keys((await stay.mux.debug()).channels), ['bt-stay'], 'channels');
  });
});

describe('hosts', () => {
  it("host: 'direct' holds the connection in the page with the same API", async () => {
    const t = await tab({ host: 'direct', transport: 'sse' });
    await subscribeAll(t, 'bt-direct');
    await t.mux.publish('bt-direct', 1);
    await waitFor('delivery', () => t.received['bt-direct']!.length === 1, WAIT_MS, EVERY_MS);
    assertEqual((await t.mux.debug()).host, 'direct', 'host');
  });

  it("host: 'auto' falls past the worker hosts when the hub script does not load", async () => {
    const t = await tab({ worker: '/no-such-hub.js' });
    await subscribeAll(t, 'bt-fallback');
    const debug = await t.mux.debug();
    assertEqual(debug.hostChoice.skipped[0]?.host, 'shared-worker', 'first skipped');
    assertEqual(debug.host === 'shared-worker' || debug.host === 'service-worker', false, `a host that needs no hub script, got ${debug.host}`);
  });

  it('bad options are refused with TABMUX_ERR_BAD_OPTIONS', async () => {
    const t = await tab();
    const frameWindow = t.frame.contentWindow as unknown as { tab: { connect: (o: unknown) => unknown } };
    for (const options of [{}, { url: 'http://x', transport: 'carrier-pigeon' }, { url: 'http://x', host: 'cloud' }]) {
      let code: string | undefined;
      try {
        frameWindow.tab.connect(options);
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      assertEqual(code, 'TABMUX_ERR_BAD_OPTIONS', JSON.stringify(options));
    }
  });
});
