/**
 * The hub's half of the control plane: comlink 4's wire protocol (its src/protocol.ts), as
 * comlink's `expose` speaks it, for what a tab does with the hub (src/hub-rpc.ts is the tab's
 * half): call a method with arguments (APPLY), ports transferred with them, and a function passed
 * as a comlink proxy (the token provider), which the hub then calls back over its port. Answers are
 * RAW values or comlink's 'throw' handler; a RELEASE is answered, then the port closed.
 *
 * Not comlink's `expose`: it also brings `wrap` (for the proxy transfer handler), property
 * get/set, construct and new endpoints, which the hub API never takes: 0.9 KiB gzipped of every
 * hub script (the worker, and the in-page hub a leader tab loads). test/unit/hub-rpc.test.ts runs
 * both halves against comlink's real `wrap` and `expose`.
 */
import type { Endpoint } from 'comlink';

type WireValue =
  | { readonly type: 'RAW'; readonly value: unknown }
  | { readonly type: 'HANDLER'; readonly name: string; readonly value: unknown };

interface Request {
  readonly id?: string;
  readonly type?: string;
  readonly path?: readonly string[];
  readonly argumentList?: readonly WireValue[];
}

/** A rejection as comlink's 'throw' handler sends it: an Error by name and message. */
const thrown = (error: unknown): WireValue => ({
  type: 'HANDLER',
  name: 'throw',
  value: error instanceof Error ? { isError: true, value: { message: error.message, name: error.name } } : { isError: false, value: error },
});

/** A wired value as the value it stands for: a 'throw' throws, a 'proxy' becomes a function calling over its port. */
function fromWire(wire: WireValue): unknown {
  if (wire.type === 'RAW') return wire.value;
  if (wire.name === 'proxy') return remoteFunction(wire.value as MessagePort);
  const { isError, value } = wire.value as { isError: boolean; value: { message: string } };
  throw isError ? Object.assign(new Error(value.message), value) : value;
}

/** When the hub lets a function go (the tab left), its port is released, as comlink's `wrap` does. */
const released =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<MessagePort>((port) => {
        port.postMessage({ id: 'release', type: 'RELEASE' });
        port.close();
      })
    : undefined;

/**
 * A function passed as a comlink proxy: each call is an APPLY on its port, as comlink's `wrap(port)`
 * sends it. Listening only while a call waits, as comlink does: an idle port holds nothing up.
 */
function remoteFunction(port: MessagePort): (...args: unknown[]) => Promise<unknown> {
  let lastId = 0;
  const fn = (...args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = `hub:${++lastId}`;
      const onAnswer = ({ data }: MessageEvent): void => {
        if (data?.id !== id) return;
        port.removeEventListener('message', onAnswer);
        try {
          resolve(fromWire(data));
        } catch (error) {
          reject(error);
        }
      };
      port.addEventListener('message', onAnswer);
      port.start();
      port.postMessage({ id, type: 'APPLY', path: [], argumentList: args.map((value) => ({ type: 'RAW', value })) });
    });
  released?.register(fn, port);
  return fn;
}

/**
 * Serves `api`'s methods on `endpoint` to comlink's `wrap` (or the tab's stub). Anything but a
 * method call or a release (GET, SET, CONSTRUCT, ENDPOINT, an unknown method) is refused.
 */
export function expose(api: object, endpoint: Endpoint): void {
  const onMessage = ({ data }: MessageEvent<Request | undefined>): void => {
    if (!data) return;
    const { id, type, path = [] } = data;
    const method = type === 'APPLY' && path.length === 1 && Object.hasOwn(api, path[0]!) ? (api as Record<string, (...args: unknown[]) => unknown>)[path[0]!] : undefined;
    new Promise((resolve) => {
      if (type !== 'RELEASE') resolve(method ? method.apply(api, (data.argumentList ?? []).map(fromWire)) : Promise.reject(new TypeError(`the hub does not answer ${String(type)} ${path.join('.')}`)));
      else resolve(undefined);
    })
      .then((value): WireValue => ({ type: 'RAW', value }), thrown)
      .then((wire) => {
        endpoint.postMessage({ ...wire, id });
        if (type === 'RELEASE') {
          endpoint.removeEventListener('message', onMessage as EventListener);
          (endpoint as Partial<MessagePort>).close?.();
        }
      });
  };
  endpoint.addEventListener('message', onMessage as EventListener);
  endpoint.start?.();
}
