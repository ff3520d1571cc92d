/**
 * Tabs for the browser tests (test/browser, run by web-test-runner): same-origin iframes, each
 * with its own document, Web Locks holder and SharedWorker connection, exactly as separate tabs
 * would have.
 */
import type { connect as connectFn, Mux } from '../../src/index.js';
import { waitFor } from './wait.js';

export interface TestTab {
  readonly frame: HTMLIFrameElement;
  readonly mux: Mux;
  /** Per channel, the data of every message received, in order. */
  readonly received: Record<string, unknown[]>;
  readonly states: string[];
  remove(): void;
}

interface TabWindow {
  tab?: { connect: typeof connectFn };
  tabLoaded?: boolean;
}

let serverUrl: Promise<string> | undefined;

/** URL of the push server the test runner started (push-server-plugin.js). */
export function pushServerUrl(): Promise<string> {
  serverUrl ??= fetch('/__tabmux/server').then(async (response) => {
    if (!response.ok) throw new Error('no push server: run these tests with web-test-runner (web-test-runner.config.js loads push-server-plugin.js)');
    return ((await response.json()) as { url: string }).url;
  });
  return serverUrl;
}

/** A metric of the push server, summed over labels or for one label set like `{transport="sse"}`. */
export async function metric(name: string, labels?: string): Promise<number> {
  const text = await (await fetch('/__tabmux/metrics')).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (match && match[1] === name && (labels === undefined || match[2] === labels)) sum += Number(match[3]);
  }
  return sum;
}

export async function openTab(options: Partial<Parameters<typeof connectFn>[0]> = {}): Promise<TestTab> {
  const frame = document.createElement('iframe');
  frame.src = '/test/browser/fixtures/tab.html';
  document.body.append(frame);
  const win = () => frame.contentWindow as unknown as TabWindow;
  await waitFor('the tab iframe to load', () => win()?.tabLoaded === true, 10_000, 20);
  const mux = win().tab!.connect({ url: await pushServerUrl(), worker: '/dist/worker.js', ...options });
  const states: string[] = [];
  mux.on('state', (state) => states.push(state));
  return { frame, mux, received: {}, states, remove: () => frame.remove() };
}

export function subscribeAll(tab: TestTab, channel: string): Promise<void> {
  const list: unknown[] = (tab.received[channel] = []);
  return tab.mux.subscribe(channel, (message) => list.push(message.data)).ready;
}
