/**
 * An upstream whose transport code is loaded on demand (worker/transports/on-demand.ts, for the
 * in-page hub): the hub gets an Upstream at once, as from any opener, and the real one is opened
 * when its module is there. Until then a WebSocket's channel changes and a fresh token go into
 * the request it will be opened with (the WebSocket transport subscribes its channels once the
 * socket opens anyway); a publish waits for `open`, which only the real upstream reports. A module
 * that does not load is a network failure: the hub retries with its backoff, and the load with it.
 */
import type { TransportKind } from '../../src/hub-protocol/hub-api.js';
import type { Platform } from '../platform.js';
import type { TransportOpener, Upstream, UpstreamHandlers, UpstreamRequest } from './types.js';

export function deferredUpstream(
  kind: TransportKind,
  load: () => Promise<TransportOpener>,
  platform: Platform,
  request: UpstreamRequest,
  handlers: UpstreamHandlers,
): Upstream {
  let inner: Upstream | undefined;
  let closed = false;
  const channels = new Map(request.channels);
  let token = request.token;
  load().then(
    (open) => {
      if (!closed) inner = open(platform, { ...request, channels, ...(token !== undefined && { token }) }, handlers);
    },
    (error: unknown) => {
      if (closed) return;
      closed = true;
      handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: `the ${kind} transport did not load (serve tabmux-transports.js next to tabmux.js): ${String(error)}` });
    },
  );
  const close = () => {
    closed = true;
    inner?.close();
  };
  if (kind !== 'ws') return { kind, close };
  return {
    kind,
    close,
    subscribe: (channel, cursor) => (inner ? inner.subscribe?.(channel, cursor) : channels.set(channel, cursor)),
    unsubscribe: (channel) => (inner ? inner.unsubscribe?.(channel) : channels.delete(channel)),
    reauth: (fresh) => (inner ? inner.reauth?.(fresh) : (token = fresh)),
    // The hub publishes on an open upstream only, and `open` comes from the real one.
    publish: (channel, data) => inner!.publish!(channel, data),
  };
}
