/**
 * A raw CDP connection to the browser endpoint, for targets playwright does not expose (a
 * SharedWorker) and for a browser driven without playwright at all: attaches with `flatten`,
 * sends commands on that session, and hands out the protocol's events.
 */
import WebSocket from 'ws';
import { withTimeout } from './wait.js';

interface TargetInfo {
  readonly targetId: string;
  readonly type: string;
  readonly url: string;
}

export interface RawCdp {
  send<T = unknown>(method: string, params?: object, sessionId?: string): Promise<T>;
  /** Attaches to the first target of `type` whose URL contains `urlPart`; returns its session id. */
  attach(type: string, urlPart: string): Promise<string>;
  /** Calls `listener` with the params of every `method` event, of any session. */
  on<T>(method: string, listener: (params: T) => void): void;
  close(): void;
}

/** `timeoutMs` bounds each command's answer. */
export async function rawCdp(endpoint: string, timeoutMs = 10_000): Promise<RawCdp> {
  const socket = new WebSocket(endpoint, { perMessageDeflate: false });
  await withTimeout(new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)), 10_000, 'the CDP socket to open');
  let next = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Array<(params: unknown) => void>>();
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
    if (message.method) for (const listener of listeners.get(message.method) ?? []) listener(message.params);
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = <T>(method: string, params: object = {}, sessionId?: string): Promise<T> => {
    const id = next++;
    const answer = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    socket.send(JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) }));
    return withTimeout(answer, timeoutMs, `CDP ${method}`);
  };
  return {
    send,
    async attach(type, urlPart) {
      const { targetInfos } = await send<{ targetInfos: TargetInfo[] }>('Target.getTargets');
      const target = targetInfos.find((info) => info.type === type && info.url.includes(urlPart));
      if (!target) throw new Error(`no ${type} target with ${urlPart}: ${JSON.stringify(targetInfos.map((i) => [i.type, i.url]))}`);
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId: target.targetId, flatten: true });
      return sessionId;
    },
    on: (method, listener) => void listeners.set(method, [...(listeners.get(method) ?? []), listener as (params: unknown) => void]),
    close: () => socket.close(),
  };
}
