/**
 * A Broker whose implementation arrives later: the Redis broker's, once ioredis has been imported
 * (redis-package.ts). `createRedisBroker` stays synchronous, like the server it is created by;
 * until the broker is there, it is unhealthy and every operation waits for it. A broker that
 * cannot be made (ioredis fails to load) leaves this one unhealthy for good, with the reason.
 */
import type { Broker, BrokerHealth } from './broker.js';
import { brokerUnavailable } from './errors.js';

export function deferredBroker(opening: Promise<Broker>, whileOpening: BrokerHealth): Broker {
  let broker: Broker | undefined;
  let health = whileOpening;
  const listeners = new Set<(health: BrokerHealth) => void>();
  const tell = (next: BrokerHealth): void => {
    health = next;
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch {
        // As in the Redis broker: a listener's failure must not break the others.
      }
    }
  };
  const ready: Promise<Broker> = opening.then(
    (opened) => {
      broker = opened;
      opened.onHealthChange(tell);
      tell(opened.health());
      return opened;
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      tell({ ok: false, reason });
      throw brokerUnavailable(reason);
    },
  );
  ready.catch(() => undefined); // the failure is the health above, and each operation's rejection

  return {
    publish: async (channel, json, idempotency) => (await ready).publish(channel, json, idempotency),
    subscribe: async (channel, listener) => (await ready).subscribe(channel, listener),
    // After the subscribe that was queued before it, as both wait on the same promise.
    unsubscribe: (channel, listener) => (broker ? broker.unsubscribe(channel, listener) : void ready.then((opened) => opened.unsubscribe(channel, listener), () => undefined)),
    replay: async (requests, limit) => (await ready).replay(requests, limit),
    head: async () => (await ready).head(),
    health: () => health,
    onHealthChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await ready.then((opened) => opened.close(), () => undefined);
      listeners.clear();
    },
  };
}
