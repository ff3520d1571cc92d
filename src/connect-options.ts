/**
 * Checking `connect()`'s options: a bad option is a TABMUX_ERR_BAD_OPTIONS thrown by `connect()`
 * itself, never a failure later inside the hub.
 */
import type { ConnectOptions } from './connect.js';
import { TabmuxError } from './errors.js';
import type { HostOption, TransportOption } from './protocol/hub-api.js';
import { DEFAULT_PAUSE_WHEN_HIDDEN_S } from './protocol/lifecycle.js';

const TRANSPORTS: readonly TransportOption[] = ['auto', 'sse', 'ws', 'poll'];
const HOSTS: readonly HostOption[] = ['auto', 'shared-worker', 'service-worker', 'leader', 'direct'];

/** The options checked, defaults applied. */
export interface CheckedOptions {
  /** The server base URL, absolute, without a trailing slash. */
  readonly url: string;
  readonly transport: TransportOption;
  readonly host: HostOption;
  readonly workerUrl: string;
  readonly token: ConnectOptions['token'];
  readonly heartbeatS: number | undefined;
  /** After this long hidden the tab no longer needs the upstream; false: never. */
  readonly pauseAfterMs: number | false;
}

export function checkOptions(options: ConnectOptions): CheckedOptions {
  const url = serverUrl(options);
  const transport = options.transport ?? 'auto';
  const host = options.host ?? 'auto';
  const { token, heartbeat } = options;
  const pause = options.pauseWhenHidden ?? DEFAULT_PAUSE_WHEN_HIDDEN_S;
  demand(token === undefined || typeof token === 'string' || typeof token === 'function', 'token must be a string or a function returning one');
  demand(TRANSPORTS.includes(transport), `transport must be one of ${TRANSPORTS.join(', ')}`);
  demand(HOSTS.includes(host), `host must be one of ${HOSTS.join(', ')}`);
  demand(pause === false || (Number.isFinite(pause) && pause >= 0), 'pauseWhenHidden must be a number of seconds (>= 0) or false');
  demand(heartbeat === undefined || (Number.isFinite(heartbeat) && heartbeat > 0), 'heartbeat must be a number of seconds (> 0)');
  return { url, transport, host, workerUrl: options.worker ?? '/tabmux-worker.js', token, heartbeatS: heartbeat, pauseAfterMs: pause === false ? false : pause * 1000 };
}

function demand(ok: boolean, message: string): void {
  if (!ok) throw new TabmuxError('TABMUX_ERR_BAD_OPTIONS', message);
}

/** The server base URL without a trailing slash. (`URL.canParse` would be neater but is missing in Safari 16, which has SharedWorker.) */
function serverUrl(options: ConnectOptions | undefined): string {
  try {
    if (options && typeof options.url === 'string') return new URL(options.url, location.href).href.replace(/\/+$/, '');
  } catch {
    // fall through to the same error as a missing url
  }
  throw new TabmuxError('TABMUX_ERR_BAD_OPTIONS', 'options.url must be the push server URL');
}
