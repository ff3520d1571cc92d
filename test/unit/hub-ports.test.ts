// The tab ↔ hub handshake of worker/tab-server.ts over a real MessageChannel with Comlink (Node has
// both): the answer carries the hub's version, and the host's onHello sees the tab attached first,
// so a hub retiring there (worker/hub-succession.ts) tells that very tab where to go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transfer, wrap } from 'comlink';
import { serveTab, type HubRuntime } from '../../worker/tab-server.js';
import type { Hub } from '../../worker/hub.js';
import type { HelloRequest, HubApi, HubBatch, HubEvent } from '../../src/hub-protocol/hub-api.js';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { retiresForTab } from '../../worker/hub-succession.js';
import { makeHub } from '../helpers/hub-fakes.js';
import { withTimeout } from '../helpers/wait.js';

test('hello: the answer says the hub version; a tab newer than the hub gets `moved` and a closed hub, never an error', async (t) => {
  const { hub } = makeHub();
  const seen: Array<{ tabs: number; version: string | undefined }> = [];
  const host: HubRuntime = {
    kind: 'shared-worker',
    hub: () => hub,
    onHello: (attached: Hub, request: HelloRequest) => {
      seen.push({ tabs: attached.debug().tabs, version: request.version });
      if (retiresForTab(TABMUX_VERSION, request)) attached.retire('http://app.test/tabmux-worker.js');
    },
  };
  const control = new MessageChannel();
  const data = new MessageChannel();
  t.after(() => {
    control.port1.close();
    data.port1.close();
  });
  serveTab(host, control.port2 as unknown as Parameters<typeof serveTab>[1]);
  const api = wrap<HubApi>(control.port1 as unknown as Parameters<typeof wrap>[0]);
  const events: HubEvent[] = [];
  const moved = new Promise<void>((resolve) => {
    data.port1.onmessage = ({ data: batch }: MessageEvent<HubBatch>) => {
      events.push(...batch.events);
      if (batch.events.some((e) => e.type === 'moved')) resolve();
    };
  });
  const config = { url: 'http://push.test', transport: 'sse' as const };
  const request: HelloRequest = { protocol: 1, tabId: 'a', version: '99.0.0', config, dataPort: data.port2 as unknown as HelloRequest['dataPort'] };
  const answer = await api.hello(transfer(request, [data.port2 as unknown as Transferable]));
  assert.equal(answer.version, TABMUX_VERSION);
  assert.equal(answer.state, 'closed', 'the hub retired before answering');
  assert.deepEqual(seen, [{ tabs: 1, version: '99.0.0' }], 'onHello saw the tab attached');
  await withTimeout(moved, 5000, 'the moved event');
  assert.deepEqual(events.filter((e) => e.type === 'moved'), [{ type: 'moved', workerUrl: 'http://app.test/tabmux-worker.js' }]);
  const result = await api.subscribe('prices');
  assert.deepEqual(result.ok ? 'ok' : result.code, 'TABMUX_ERR_CLOSED', 'a retired hub answers subscribe with a code (the client waits for the next hub)');
});
