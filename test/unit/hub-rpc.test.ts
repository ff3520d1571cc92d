/**
 * Both halves of the control plane over real MessagePorts (Node's): the tab's (src/hub-rpc.ts)
 * against comlink's REAL `expose` and against the hub's own (worker/hub-rpc.ts, what
 * worker/tab-server.ts runs), and the hub's against comlink's REAL `wrap`. A method call with its
 * arguments and transferred ports, an answer, a rejection (Error or not), a function passed as a
 * proxy and called back, and the proxy's release answered.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as comlink from 'comlink';
import { expose, releaseProxy, type Endpoint, type Remote } from 'comlink';
import { proxy, transfer, wrap } from '../../src/hub-rpc.js';
import { expose as hubExpose } from '../../worker/hub-rpc.js';
import { retainedMemory } from '../helpers/memory.js';
import { withTimeout } from '../helpers/wait.js';

const WAIT_MS = 5000;

// A function passed as a proxy keeps its port open on the tab side until the hub side lets it go:
// released when the hub's stand-in for it is collected (as comlink's is). In a browser that costs
// nothing; in Node an open port holds the process, so the test collects before it ends.
after(async () => {
  for (let i = 0; i < 3; i++) await retainedMemory();
});

interface Api {
  add(a: number, b: number): Promise<number>;
  echo(value: unknown): Promise<unknown>;
  fails(): Promise<void>;
  failsWithValue(): Promise<void>;
  viaPort(request: { port: MessagePort }): Promise<string>;
  callBack(provider: () => Promise<string | undefined>): Promise<string | undefined>;
  keep(provider: Remote<() => Promise<string>>): Promise<void>;
}

/** The hub side each test runs against: comlink's own `expose`, and the hub's (worker/hub-rpc.ts). */
const HUB_SIDES = [
  ['comlink expose', expose],
  ['hub expose', hubExpose],
] as const;

function pairWith(serve: (api: object, endpoint: Endpoint) => void, api: object): { client: Remote<Api>; close(): void } {
  const { port1, port2 } = new MessageChannel();
  serve(api, port2 as unknown as Endpoint);
  return {
    client: wrap<Api>(port1 as unknown as Endpoint),
    close() {
      port1.close();
      port2.close();
    },
  };
}

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: a call carries its arguments and resolves with the answer; calls in flight are told apart`, async () => {
    const { client, close } = pairWith(serve, {
      add: async (a: number, b: number) => {
        await new Promise((resolve) => setTimeout(resolve, a)); // the first answers last
        return a + b;
      },
      echo: (value: unknown) => value,
    });
    try {
      const answers = await withTimeout(Promise.all([client.add(30, 1), client.add(0, 2), client.echo({ nested: [1, 'two', null] })]), WAIT_MS, 'the three answers');
      assert.deepEqual(answers, [31, 2, { nested: [1, 'two', null] }]);
      assert.equal(await withTimeout(client.echo(undefined), WAIT_MS, 'echo(undefined)'), undefined);
    } finally {
      close();
    }
  });
}

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: a rejection on the hub rejects the call: an Error keeps its message and name, another value stays itself`, async () => {
    const { client, close } = pairWith(serve, {
      fails: async () => {
        throw new TypeError('hello first');
      },
      failsWithValue: async () => {
        throw { code: 'X' };
      },
    });
    try {
      await assert.rejects(withTimeout(client.fails(), WAIT_MS, 'fails()'), (error: Error) => error instanceof Error && error.message === 'hello first' && error.name === 'TypeError');
      await assert.rejects(withTimeout(client.failsWithValue(), WAIT_MS, 'failsWithValue()'), (error: unknown) => (error as { code?: string }).code === 'X');
    } finally {
      close();
    }
  });
}

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: transfer(): the listed ports travel with the argument, usable on the hub side`, async () => {
    const { client, close } = pairWith(serve, {
      viaPort: ({ port }: { port: MessagePort }) =>
        new Promise<string>((resolve) => {
          port.onmessage = (event) => {
            resolve(String(event.data));
            port.close();
          };
        }),
    });
    const data = new MessageChannel();
    try {
      const answer = client.viaPort(transfer({ port: data.port2 }, [data.port2 as unknown as Transferable]));
      data.port1.postMessage('through the transferred port');
      assert.equal(await withTimeout(answer, WAIT_MS, 'viaPort()'), 'through the transferred port');
    } finally {
      data.port1.close();
      close();
    }
  });
}

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: proxy(): the hub calls the function back (as the token provider) and gets its answer`, async () => {
    let calls = 0;
    const { client, close } = pairWith(serve, {
      callBack: async (provider: () => Promise<string | undefined>) => {
        const first = await provider();
        const second = await provider();
        return `${first}+${second}`;
      },
    });
    try {
      const answer = await withTimeout(client.callBack(proxy(async () => `token${++calls}`)), WAIT_MS, 'callBack()');
      assert.equal(answer, 'token1+token2');
    } finally {
      close();
    }
  });
}

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: proxy(): a function that throws rejects the hub side call with its message`, async () => {
    // Held in an object the test empties at the end: node:test keeps this closure, and the hub's
    // own stand-in for the function releases its port only once collected.
    const held: { kept?: Remote<() => Promise<string>> } = {};
    const { client, close } = pairWith(serve, {
      keep: (provider: Remote<() => Promise<string>>) => {
        held.kept = provider;
      },
    });
    try {
      const failing = proxy(async (): Promise<string> => {
        throw new Error('no token today');
      });
      await withTimeout(client.keep(failing as unknown as Remote<() => Promise<string>>), WAIT_MS, 'keep()');
      const kept = held.kept;
      assert.ok(kept);
      await assert.rejects(withTimeout(kept(), WAIT_MS, 'the kept function'), /no token today/);
      (kept as Partial<Remote<() => Promise<string>>>)[releaseProxy]?.(); // a comlink proxy (the hub's own is a plain function)
    } finally {
      delete held.kept;
      close();
    }
  });
}

test("proxy(): comlink's RELEASE of the function (releaseProxy, or its proxy collected) is answered, then the port closes", async () => {
  // The hub side by hand, as comlink sends it (comlink/src/comlink.ts releaseEndpoint): no expose.
  const { port1, port2 } = new MessageChannel();
  const client = wrap<{ keep(provider: () => string): Promise<void> }>(port1 as unknown as Endpoint);
  try {
    const call = new Promise<{ id: string; argumentList: Array<{ type: string; name?: string; value: unknown }> }>((resolve) => (port2.onmessage = (event) => resolve(event.data)));
    void client.keep(proxy(() => 'token'));
    const { argumentList } = await withTimeout(call, WAIT_MS, 'the keep() call at the hub side');
    assert.equal(argumentList[0]!.type, 'HANDLER');
    assert.equal(argumentList[0]!.name, 'proxy');
    const fnPort = argumentList[0]!.value as MessagePort;
    const closed = new Promise<void>((resolve) => (fnPort as unknown as NodeJS.EventEmitter).once('close', () => resolve()));
    const answer = new Promise<unknown>((resolve) => (fnPort.onmessage = (event) => resolve(event.data)));
    fnPort.postMessage({ id: 'release-1', type: 'RELEASE' });
    assert.deepEqual(await withTimeout(answer, WAIT_MS, 'the RELEASE answer'), { type: 'RAW', value: undefined, id: 'release-1' });
    await withTimeout(closed, WAIT_MS, "the function's port to close");
  } finally {
    port1.close();
    port2.close();
  }
});

for (const [side, serve] of HUB_SIDES) {
  test(`${side}: the stub is not a thenable: it can be resolved through a promise as itself`, async () => {
    const { client, close } = pairWith(serve, { echo: (value: unknown) => value });
    try {
      const same = await withTimeout(Promise.resolve({ api: client }).then(({ api }) => api), WAIT_MS, 'the stub through a promise');
      assert.equal(same, client);
      assert.equal(await withTimeout(same.echo(7), WAIT_MS, 'echo(7)'), 7);
    } finally {
      close();
    }
  });
}


test("the hub's expose answers comlink's real wrap: calls, rejections, a proxied function called back, and a RELEASE that closes the port", async () => {
  const { port1, port2 } = new MessageChannel();
  const closed = new Promise<void>((resolve) => (port2 as unknown as NodeJS.EventEmitter).once('close', () => resolve()));
  hubExpose(
    {
      add: async (a: number, b: number) => a + b,
      fails: async () => {
        throw new RangeError('out of range');
      },
      callBack: async (provider: () => Promise<string>) => `${await provider()}!`,
    },
    port2 as unknown as Endpoint,
  );
  const remote = comlink.wrap<{ add(a: number, b: number): Promise<number>; fails(): Promise<void>; callBack(provider: () => Promise<string>): Promise<string> }>(port1 as unknown as Endpoint);
  try {
    assert.equal(await withTimeout(remote.add(2, 3), WAIT_MS, 'add()'), 5);
    await assert.rejects(withTimeout(remote.fails(), WAIT_MS, 'fails()'), (error: Error) => error.message === 'out of range' && error.name === 'RangeError');
    assert.equal(await withTimeout(remote.callBack(comlink.proxy(async () => 'token')), WAIT_MS, 'callBack()'), 'token!');
    // Not a method call: refused, never answered with a property of the API object.
    await assert.rejects(withTimeout((remote as unknown as { add: Promise<unknown> }).add, WAIT_MS, 'a GET'), /does not answer GET/);
    remote[releaseProxy]();
    await withTimeout(closed, WAIT_MS, "the hub's port to close on RELEASE");
  } finally {
    port1.close();
    port2.close();
  }
});
