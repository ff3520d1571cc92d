/**
 * Finding a hub and saying hello: walks the hosts the `host` option allows (hosts/chooser.ts),
 * opens the first that can be used and sends it hello with this tab's data port. A host that
 * fails to start, or whose hub does not answer in time, is skipped for the next; why each was
 * skipped is kept for `debug().hostChoice`. What the tab then does with a hub is connect.ts's.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import type { HelloAnswer, HelloRequest, HostChoice, HostOption, HostSkipped, HubApi, HubBatch, HubEvent, TransportOption } from './protocol/hub-api.js';
import type { TabLifecycle } from './protocol/lifecycle.js';
import type { ConnectOptions } from './connect.js';
import { TabmuxError } from './errors.js';
import { hostsFor, whyNot } from './hosts/chooser.js';
import type { HostLink } from './hosts/types.js';
import { whenReleased } from './tab-lock.js';
import { recallTransport } from './transport-memory.js';
import { TABMUX_VERSION } from './protocol/version.js';

/** A hub that does not answer hello in this time is taken as broken and the next host is tried. */
const HELLO_TIMEOUT_MS = 10_000;

export interface Attachment {
  readonly link: HostLink;
  readonly choice: HostChoice;
  readonly api: Remote<HubApi>;
  readonly port: MessagePort;
  readonly answer: HelloAnswer;
  /** Resolves when this hub is gone. */
  readonly gone: Promise<void>;
}

export interface AttachOptions {
  readonly host: HostOption;
  /** The server base URL. */
  readonly url: string;
  readonly transport: TransportOption;
  readonly heartbeatS: number | undefined;
  /** The tab's life lock (tab-lock.ts): its id for the hub, which watches it. */
  readonly lockName: string;
  /** The `token` option: a function is handed to the hub, not called here. */
  readonly token: ConnectOptions['token'];
  /** The hub script; a retiring hub moves us to its successor's (connect.ts, `moved`). */
  workerUrl: string;
  /** Moved once to get a newer hub at the same URL: take the next hub whatever its version (no loop on a stale HTTP cache). */
  acceptOlder: boolean;
  freshToken(): Promise<string | undefined>;
  lifecycle(): TabLifecycle;
  /** Every event the hub posts to this tab's data port. */
  onEvent(event: HubEvent): void;
}

export async function attach(options: AttachOptions): Promise<Attachment> {
  const skipped: HostSkipped[] = [];
  for (const host of hostsFor(options.host)) {
    if (!host.canBeUsed()) {
      skipped.push({ host: host.kind, reason: whyNot(host) });
      continue;
    }
    try {
      const link = host.open({ workerUrl: options.workerUrl, name: `tabmux:${options.transport}:${options.url}`, lifecycle: options.lifecycle });
      return await hello(options, link, { option: options.host, picked: host.kind, skipped: [...skipped] });
    } catch (error) {
      // Usable but failed to start (e.g. the hub script is missing): the next host.
      skipped.push({ host: host.kind, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const why = skipped.map(({ host, reason }) => `${host}: ${reason}`).join('; ');
  throw new TabmuxError('TABMUX_ERR_NO_HOST', `host '${options.host}' cannot be used here (${why})`);
}

async function hello(options: AttachOptions, link: HostLink, choice: HostChoice): Promise<Attachment> {
  const api = wrap<HubApi>(link.endpoint);
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (event: MessageEvent<HubBatch>) => {
    for (const hubEvent of event.data.events) options.onEvent(hubEvent);
  };
  const { url, transport, heartbeatS, lockName } = options;
  const hint = transport === 'auto' ? recallTransport(url) : undefined;
  // A token function is handed to the hub instead of called here: the hub calls ONE tab's at a
  // time (single flight across tabs), before expiry and on 401. A fixed string goes as is.
  const provider = typeof options.token === 'function' ? proxy(() => options.freshToken()) : undefined;
  const token = provider ? undefined : await options.freshToken();
  const request: HelloRequest = {
    protocol: 1,
    tabId: lockName,
    version: TABMUX_VERSION,
    ...(options.acceptOlder && { acceptOlder: true }),
    lockName,
    config: { url, transport, ...(hint && { transportHint: hint }), ...(heartbeatS !== undefined && { heartbeatS }) },
    ...(token !== undefined && { token }),
    dataPort: port2,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TabmuxError('TABMUX_ERR_NO_HOST', `the ${link.kind} hub did not answer within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([api.hello(transfer(request, [port2 as unknown as Transferable]), provider), link.failed, timeout]);
    link.answered?.();
    const gone = answer.hubLock ? whenReleased(answer.hubLock) : new Promise<void>(() => undefined);
    return { link, choice, api, port: port1, answer, gone };
  } catch (error) {
    port1.close();
    link.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Says bye (the hub drops this tab's channels at once) and closes the tab's ends. */
export async function detach({ api, port, link }: Attachment): Promise<void> {
  await api.bye().catch(() => undefined);
  port.close();
  link.close();
}
