/**
 * The tab's half of the control plane: Comlink's wire protocol (comlink 4, its src/protocol.ts),
 * spoken to the hub, which exposes its API with comlink's own `expose` (worker/tab-server.ts). Only what
 * connect() does with it: call a method of the hub with arguments (APPLY), transfer ports with
 * them (`transfer`), and pass a function the hub calls back (`proxy`: the token provider).
 *
 * Not comlink's `wrap`: that is a general remote object (property paths, get/set/construct, new
 * endpoints, release by FinalizationRegistry) and brings `expose` and its transfer handlers along,
 * 1.8 KiB gzipped of the 6 KiB every page pays for (README, Size). The messages are the same, so the
 * hub, its tests and the in-page hosts keep comlink; test/unit/hub-rpc.test.ts runs this against
 * comlink's real `expose` and `wrap`.
 */
import type { Endpoint, Remote } from 'comlink';

/** comlink's WireValue: a structured-cloned value, or one of its two transfer handlers' forms. */
type WireValue =
  | { readonly type: 'RAW'; readonly value: unknown }
  | { readonly type: 'HANDLER'; readonly name: 'proxy'; readonly value: MessagePort }
  | { readonly type: 'HANDLER'; readonly name: 'throw'; readonly value: { readonly isError: boolean; readonly value: unknown } };

const transfers = new WeakMap<object, Transferable[]>();
const proxied = new WeakSet<object>();

/** As comlink's: `value` travels with `list` transferred. */
export function transfer<T extends object>(value: T, list: Transferable[]): T {
  transfers.set(value, list);
  return value;
}

/** As comlink's: the function goes as a port the other side calls it through. */
export function proxy<T extends (...args: never[]) => unknown>(fn: T): T {
  proxied.add(fn);
  return fn;
}

/** A stub whose every method call is an APPLY on `endpoint`, answered by comlink's `expose`. */
export function wrap<T>(endpoint: Endpoint): Remote<T> {
  const pending = new Map<string, (answer: WireValue) => void>();
  let lastId = 0;
  endpoint.addEventListener('message', ((event: MessageEvent) => {
    const answer = pending.get(event.data?.id);
    if (!answer) return;
    pending.delete(event.data.id);
    answer(event.data);
  }) as EventListener);
  const call = (method: string, args: unknown[]) =>
    new Promise((resolve, reject) => {
      const id = `tabmux:${++lastId}`;
      const wired = args.map(toWire);
      pending.set(id, (answer) => {
        if (answer.type === 'RAW') return resolve(answer.value);
        // The 'throw' handler: the method threw or rejected on the hub.
        const { isError, value } = answer.value as { isError: boolean; value: { message: string } };
        reject(isError ? Object.assign(new Error(value.message), value) : value);
      });
      endpoint.start?.();
      endpoint.postMessage({ id, type: 'APPLY', path: [method], argumentList: wired.map(([wire]) => wire) }, wired.flatMap(([, list]) => list));
    });
  // `then` stays undefined: the stub is not a thenable, so it can be passed through promises.
  return new Proxy({}, { get: (_, method) => (method === 'then' ? undefined : (...args: unknown[]) => call(String(method), args)) }) as Remote<T>;
}

function toWire(value: unknown): [WireValue, Transferable[]] {
  if (typeof value === 'function' && proxied.has(value)) {
    const { port1, port2 } = new MessageChannel();
    serve(value as (...args: unknown[]) => unknown, port1);
    return [{ type: 'HANDLER', name: 'proxy', value: port2 }, [port2]];
  }
  return [{ type: 'RAW', value }, transfers.get(value as object) ?? []];
}

/** Answers the other side's calls of a proxied function on `port` (comlink `expose` of one function). */
function serve(fn: (...args: unknown[]) => unknown, port: MessagePort): void {
  port.onmessage = async ({ data }: MessageEvent) => {
    if (!data?.id) return;
    let answer: WireValue;
    try {
      const args = (data.argumentList ?? []).map((wire: WireValue) => wire.value);
      answer = { type: 'RAW', value: data.type === 'APPLY' ? await fn(...args) : undefined };
    } catch (error) {
      // Name and message, as comlink's serializer keeps them; not the stack (of this page, for nobody there).
      answer = { type: 'HANDLER', name: 'throw', value: error instanceof Error ? { isError: true, value: { message: error.message, name: error.name } } : { isError: false, value: error } };
    }
    port.postMessage({ ...answer, id: data.id });
    // The other side dropped its proxy (releaseProxy, or garbage-collected): the port is done.
    if (data.type === 'RELEASE') port.close();
  };
}
