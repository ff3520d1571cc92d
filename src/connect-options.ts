/** `connect()`'s options checked and defaulted: a bad value is TABMUX_ERR_BAD_OPTIONS at once, never later. */
import type { HostOption, TransportOption } from './hub-protocol/hub-api.js';
import { DEFAULT_PAUSE_WHEN_HIDDEN_S } from './hub-protocol/lifecycle.js';
import { TabmuxError } from './errors.js';
import type { ConnectOptions } from './mux-types.js';

const TRANSPORTS: readonly TransportOption[] = ['auto', 'sse', 'ws', 'poll'];
const HOSTS: readonly HostOption[] = ['auto', 'shared-worker', 'service-worker', 'leader', 'direct'];

export interface CheckedOptions {
  /** The server base URL, absolute, without a trailing slash. */
  readonly url: string;
  readonly transport: TransportOption;
  readonly host: HostOption;
  readonly workerUrl: string;
  readonly token: ConnectOptions['token'];
  /** Milliseconds, or false: never pause. */
  readonly pauseAfterMs: number | false;
  readonly heartbeatS: number | undefined;
  readonly keepAliveWhenHidden: boolean;
}

export function checkOptions(options: ConnectOptions): CheckedOptions {
  const url = serverUrl(options);
  const { token, heartbeat, transport = 'auto', host = 'auto' } = options;
  const pause = options.pauseWhenHidden ?? DEFAULT_PAUSE_WHEN_HIDDEN_S;
  demand(token === undefined || typeof token === 'string' || typeof token === 'function', 'token must be a string or a function');
  demand(TRANSPORTS.includes(transport), `transport must be one of ${TRANSPORTS.join(', ')}`);
  demand(HOSTS.includes(host), `host must be one of ${HOSTS.join(', ')}`);
  demand(pause === false || (Number.isFinite(pause) && pause >= 0), 'pauseWhenHidden must be seconds (>= 0) or false');
  demand(heartbeat === undefined || (Number.isFinite(heartbeat) && heartbeat > 0), 'heartbeat must be seconds (> 0)');
  return {
    url,
    transport,
    host,
    workerUrl: options.worker ?? '/tabmux-worker.js',
    token,
    pauseAfterMs: pause === false ? false : pause * 1000,
    heartbeatS: heartbeat,
    keepAliveWhenHidden: options.keepAliveWhenHidden === true,
  };
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
