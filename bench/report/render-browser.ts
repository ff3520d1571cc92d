/** The browser and battery tables of RESULTS.md. */
import type { BatteryResults } from '../battery/run-battery.js';
import type { BrowserResults } from '../browser/run-browser.js';
import { kib, ms, num, ratio, table } from './format.js';

export function renderBrowser(browser: BrowserResults): string {
  const { plan } = browser;
  const out: string[] = ['## Browser (headless Chromium, playwright-core)', ''];
  out.push(
    `Tabs of one origin over HTTP/1.1, all against the same tabmux server process. Deliveries/s: a burst of ${num(plan.burstMessages)} messages of 100 B to every tab. ` +
      `Latency: ${plan.latencyMessages} messages at ${plan.latencyRate}/s, server → tab handler, from the scheduled send time (clocks of the server process and of each page aligned by measured offsets).`,
    '',
  );
  const rows = browser.tabs.map((t) => {
    const socketPerTab = browser.tabs.filter((o) => o.tabs === t.tabs && o.mode !== 'tabmux').map((o) => o.deliveriesPerSec);
    const best = Math.max(...socketPerTab);
    return [
      num(t.tabs),
      t.mode === 'tabmux' ? 'tabmux (SharedWorker)' : t.mode === 'eventsource' ? 'EventSource per tab' : 'WebSocket per tab',
      num(t.upstreamConnections),
      `${t.servedTabs}/${t.tabs}`,
      num(t.deliveriesPerSec),
      t.mode === 'tabmux' ? ratio(t.deliveriesPerSec / best) : '',
      ms(t.latency.p50),
      ms(t.latency.p99),
    ];
  });
  out.push(table(['tabs', 'mode', 'upstream connections', 'tabs served', 'aggregate deliveries/s', '× best per-tab socket', 'latency p50', 'latency p99'], rows), '');
  const hop = browser.hop;
  const floor = browser.hopFloor;
  out.push(
    "### The hub's added hop",
    '',
    'One page receives each message three times: through the tabmux hub (SharedWorker) and through two native EventSources, one subscribed before the hub and one after ' +
      '(the server writes to its streams in subscription order, and the first written arrives first); ' +
      "hop = arrival via hub − the mean of the two native arrivals, on that page's own clock. " +
      'The floor: the same with a bare SharedWorker that relays the stream to the page (no parser, no hub): what a SharedWorker hop costs on this machine.',
    '',
    table(
      ['path', 'samples', 'p50', 'p99', 'max'],
      [
        ['tabmux hub', num(hop?.count), ms(hop?.p50), ms(hop?.p99), ms(hop?.max)],
        ['bare SharedWorker relay (floor)', num(floor?.count), ms(floor?.p50), ms(floor?.p99), ms(floor?.max)],
      ],
    ),
    '',
  );
  out.push(
    '### The data plane: batches on a MessagePort vs a Comlink proxy call per event',
    '',
    `SharedWorker → tab, ${num(plan.dataPlaneEvents)} events of ~100 B in chunks of 10 (events/s: all at once; latency: a chunk every 5 ms).`,
    '',
    table(
      ['data plane', 'events/s', 'latency p50', 'latency p99'],
      browser.dataPlane.map((d) => [d.mode === 'port-batches' ? 'batches on a plain MessagePort' : 'Comlink proxy callback per event', num(d.eventsPerSec), ms(d.latency.p50), ms(d.latency.p99)]),
    ),
    '',
  );
  return out.join('\n');
}

const BATTERY_LABELS: Record<string, string> = {
  'tabmux-visible': 'tabmux, tabs visible',
  'tabmux-hidden': 'tabmux, all tabs hidden',
  eventsource: 'one EventSource per tab',
  'long-poll': 'long-polling per tab (25 s)',
  poll: 'polling per tab every second',
};

export function renderBattery(battery: BatteryResults): string {
  const { plan } = battery;
  const out: string[] = ['## Battery and network: a simulated hour of 5 tabs', ''];
  out.push(
    `5 real Chromium tabs, one message every ${plan.messageEverySimulatedSeconds} simulated seconds, server heartbeat every 25 simulated seconds (its default), ` +
      `time compressed ${plan.compression}× (the hour takes ${num((plan.simulatedSeconds / plan.compression) * 1000)} ms). Counted by a TCP proxy between browser and server over the hour, which starts once every tab is connected. ` +
      `Wake-ups = reads of server bytes on the proxy (≈ server writes; each wakes a mobile radio). The two polling rows run ${plan.pollWindow.simulatedSeconds} simulated seconds at ${plan.pollWindow.compression}× and are scaled to the hour (polling is periodic); a poller that could not keep its schedule on this machine shows fewer requests than its schedule (18,000 an hour for 5 tabs polling every second).`,
    '',
  );
  out.push(
    table(
      ['mode', 'upstream connections', 'HTTP requests', 'wake-ups', 'bytes on the wire', 'messages delivered / published × tabs'],
      battery.rows.map((r) => [
        BATTERY_LABELS[r.mode] ?? r.mode,
        num(r.connections),
        num(r.requests),
        num(r.wakeUps),
        kib(r.bytes),
        `${num(r.received)} / ${num(r.published * r.tabs)}`,
      ]),
    ),
    '',
  );
  const hidden = battery.rows.find((r) => r.mode === 'tabmux-hidden');
  if (hidden) {
    out.push(
      `"All tabs hidden": every tab's window was minimised through CDP (\`Browser.setWindowBounds\`, in a Chromium launched without focus emulation), and ${hidden.tabsThatSawHidden} of ${hidden.tabs} tabs reported \`hidden\`. ` +
        `It held ${num(hidden.connectionsOpenAtEnd)} upstream connection(s) at the end of the hour. ` +
        (hidden.tabsThatSawHidden < hidden.tabs
          ? 'Not every tab was hidden, and the hub pauses only when all are: this row does not show the pause.'
          : 'The hub paused after the grace (pauseWhenHidden, compressed like the hour); every message published meanwhile reached every tab once the windows were shown again.'),
      '',
    );
  }
  return out.join('\n');
}
