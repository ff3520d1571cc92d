// How deeply nested a value each engine's postMessage and JSON.parse take (README, Limits and
// budgets: the publish depth limit must sit well below it). In Chromium, Firefox and WebKit, in a
// real page (pages/depth.html) and a real SharedWorker (pages/depth-worker.js), along every path a
// published value takes to a tab: a MessagePort, a BroadcastChannel, a BroadcastChannel relayed on
// a MessagePort (the leader host), a SharedWorker and back, JSON.parse in the worker and in the
// page, and the hub's own path (JSON.parse in the worker, the value posted to the page). Nested
// arrays and nested objects, MAX_JSON_DEPTH × 2^k up to MAX_JSON_DEPTH × 2^11 (131,072), then
// bisected to the level. Each path and kind must take at least 8 × MAX_JSON_DEPTH levels (a
// margin of 2 on the shallowest, so only a real regression fails it): a
// limit set too high for some engine fails here. The depths found, and how the first failing
// depth failed, are printed (`# <engine> …` lines) and written in the README.
//
// Then the real thing: a value 8 × MAX_JSON_DEPTH deep, put straight into the broker (the server
// itself refuses it at publish), reaches a tab through the real SharedWorker hub intact, over SSE
// and WebSocket.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBroker } from '../../server/index.js';
import { MAX_JSON_DEPTH } from '../../server/json-depth.js';
import { eachEngine } from '../helpers/engines/engine-suite.js';
import { errorsOf, whenReady } from '../helpers/engines/tabs.js';
import type { EngineContext, EngineTab } from '../helpers/engines/types.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const PATHS = ['port', 'broadcast', 'leader', 'worker-echo', 'worker-parse', 'hub', 'page-parse'] as const;
const KINDS = ['array', 'object'] as const;
type Path = (typeof PATHS)[number];
type Kind = (typeof KINDS)[number];

/** What the server's limit must stay below, in every engine and on every path. */
const REQUIRED = 8 * MAX_JSON_DEPTH;
/** The deepest value tried: an engine that takes this much is recorded as "at least". */
const CAP = MAX_JSON_DEPTH * 2 ** 11;

interface Outcome {
  readonly ok: boolean;
  /** Where it failed: send, receive, worker-parse, page-receive…; `tab` when the tab itself was lost. */
  readonly step?: string;
  readonly error?: { readonly name: string; readonly message: string };
}

interface Measured {
  /** The deepest value that went through. */
  readonly works: number;
  /** The shallowest that did not, and how; none when CAP went through. */
  readonly fails?: { readonly depth: number; readonly outcome: Outcome };
}

type ProbeWindow = Window & { probeReady?: boolean; probe(path: Path, kind: Kind, depth: number): Promise<Outcome> };

const levels = (n: number) => n.toLocaleString('en-US');

const describeMeasure = ({ works, fails }: Measured): string =>
  fails === undefined
    ? `${levels(works)} levels and more (the cap)`
    : `${levels(works)} levels; ${levels(fails.depth)} failed at ${fails.outcome.step}: ${fails.outcome.error?.name}: ${fails.outcome.error?.message}`;

/** Where the deep values are put, behind the server's own depth check. */
const broker = createMemoryBroker({ history: 100 });
after(() => broker.close());

/** The JSON text of `depth` nested arrays or objects (as pages/depth.js builds them). */
const nestedJson = (kind: Kind, depth: number) => (kind === 'array' ? '['.repeat(depth) + '0' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth));

type DeepTabWindow = Window & {
  depths: number[];
  mux: { subscribe(channel: string, handler: (message: { data: unknown }) => void): { ready: Promise<void> } };
};

eachEngine({ server: { broker } }, ({ name, engine, push, pages }) => {
  test(`${name}: every path a published value takes to a tab carries at least 8 × MAX_JSON_DEPTH (${REQUIRED}) levels`, { timeout: 600_000 }, async (t) => {
    const context: EngineContext = await engine.newContext();
    let tab: EngineTab;
    const openTab = async () => {
      tab = await context.open(`${pages.url}/pages/depth.html`);
      await waitFor('the probe page', () => tab.evaluate(() => (window as unknown as ProbeWindow).probeReady === true), 15_000);
    };
    /** One depth along one path; a tab that crashes or stops answering is a failure, and the next probe gets a fresh tab. */
    const probe = async (path: Path, kind: Kind, depth: number): Promise<Outcome> => {
      try {
        return await withTimeout(
          tab.evaluate((a) => (window as unknown as ProbeWindow).probe(a.path, a.kind, a.depth), { path, kind, depth }),
          45_000,
          `${path} ${kind} ${depth} in ${name}`,
        );
      } catch (error) {
        const lost = tab;
        await openTab();
        void withTimeout(lost.close(), 5000, 'the lost tab to close').catch(() => undefined);
        return { ok: false, step: 'tab', error: { name: 'TabLost', message: String((error as Error).message).slice(0, 200) } };
      }
    };
    /** Doubling from MAX_JSON_DEPTH while it works, then bisecting to the level. */
    const measure = async (path: Path, kind: Kind): Promise<Measured> => {
      let works = 0;
      let fails: Measured['fails'];
      for (let depth = MAX_JSON_DEPTH; depth <= CAP; depth *= 2) {
        const outcome = await probe(path, kind, depth);
        if (!outcome.ok) {
          fails = { depth, outcome };
          break;
        }
        works = depth;
      }
      while (fails !== undefined && fails.depth - works > 1) {
        const depth = Math.floor((works + fails.depth) / 2);
        const outcome = await probe(path, kind, depth);
        if (outcome.ok) works = depth;
        else fails = { depth, outcome };
      }
      return { works, fails };
    };

    try {
      await openTab();
      for (const path of PATHS) {
        await t.test(`${path}`, async () => {
          const found = new Map<Kind, Measured>();
          for (const kind of KINDS) {
            const started = Date.now();
            const measured = await measure(path, kind);
            found.set(kind, measured);
            console.log(`# ${engine.version} ${path}, nested ${kind}s: ${describeMeasure(measured)} (${Date.now() - started} ms)`);
          }
          for (const [kind, measured] of found) {
            assert.ok(measured.works >= REQUIRED, `${name} ${path}, nested ${kind}s: ${describeMeasure(measured)}, below ${REQUIRED}`);
          }
        });
      }
    } finally {
      await context.close();
    }
  });

  for (const transport of ['sse', 'ws'] as const) {
    test(`${name}, ${transport}: a value ${REQUIRED} levels deep reaches a tab through the SharedWorker hub intact`, { timeout: 120_000 }, async () => {
      const channel = `deep-${transport}`;
      const context = await engine.newContext();
      try {
        const tab = await context.open(`${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=warm-${transport}&transport=${transport}&host=shared-worker`);
        await whenReady(tab, 'the tab');
        await withTimeout(
          tab.evaluate(async (deepChannel) => {
            const w = window as unknown as DeepTabWindow;
            w.depths = [];
            const subscription = w.mux.subscribe(deepChannel, ({ data }) => {
              let depth = 0;
              for (let value = data; typeof value === 'object' && value !== null; value = Array.isArray(value) ? value[0] : (value as { a: unknown }).a) depth++;
              w.depths.push(depth);
            });
            await subscription.ready;
          }, channel),
          30_000,
          `the tab to subscribe to ${channel}`,
        );
        for (const kind of KINDS) await broker.publish(channel, nestedJson(kind, REQUIRED));
        const depths = await waitFor(
          'both deep values in the tab',
          async () => {
            const got = await tab.evaluate(() => (window as unknown as DeepTabWindow).depths);
            return got.length >= KINDS.length && got;
          },
          30_000,
          100,
        );
        assert.deepEqual(depths, [REQUIRED, REQUIRED], 'nested arrays, then nested objects, every level there');
        assert.deepEqual(await errorsOf(tab), [], 'no error reported');
      } finally {
        await context.close();
      }
    });
  }
});
