/**
 * `tabmux-server` flags (node:util parseArgs, strict): every option of the README (Server) plus the
 * server's own limits, each also read from the environment (`--some-option` ←
 * `TABMUX_SOME_OPTION`, a flag winning; README, Configuration by environment). Pure: parses argv
 * and an environment into PushServerOptions or a usage error, so it is unit-testable without
 * starting anything.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from './options.js';
import type { PushServerOptions } from './options.js';
import { jsonLogger } from './logger.js';


export class UsageError extends Error {
  override name = 'UsageError';
}

/** The flags that take a value, kept as text: `numeric` checks the numbers among them. */
const VALUE_FLAGS = [
  'port', 'host', 'redis', 'jwt-secret', 'jwt-public-key', 'jwt-jwks-url', 'jwt-jwks-cooldown', 'jwt-audience', 'jwt-issuer', 'publish-key', 'metrics-key',
  'base-path', 'history', 'history-max-bytes', 'history-max-channels', 'history-ttl', 'heartbeat',
  'max-message-size', 'max-channels-per-stream', 'max-buffered-bytes', 'drain-timeout', 'retry', 'jwt-clock-tolerance', 'auth-timeout',
  'max-connections-per-ip', 'connection-rate', 'connection-burst', 'publish-rate', 'publish-burst', 'max-header-size', 'max-url-length', 'headers-timeout',
  'request-timeout',
  /** `--trust-proxy=<n>` arrives here (see parseCli): a boolean flag cannot take a value. */
  'trust-proxy-hops',
  'node-id',
  'log-format',
  'drain-delay',
  'drain-spread',
  'idempotency-window',
] as const;

const OPTIONS = {
  // Object.fromEntries types its keys as string: the cast restores them, for parseArgs's `values`.
  ...(Object.fromEntries(VALUE_FLAGS.map((flag) => [flag, { type: 'string' }])) as Record<(typeof VALUE_FLAGS)[number], { type: 'string' }>),
  'allow-origin': { type: 'string', multiple: true },
  status: { type: 'boolean' },
  'trust-proxy': { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Flag = keyof typeof OPTIONS;

/** Flags that are not settings, and so have no variable. */
const NOT_FROM_ENV: ReadonlySet<Flag> = new Set(['help', 'version', 'trust-proxy-hops']);

/** The flags read from the environment, in --help's order. */
export const ENV_FLAGS = (Object.keys(OPTIONS) as Flag[]).filter((flag) => !NOT_FROM_ENV.has(flag));

/** `--some-option` → `TABMUX_SOME_OPTION`. */
export function envName(flag: string): string {
  return `TABMUX_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function envTable(): string {
  const names = ENV_FLAGS.map((flag) => envName(flag));
  const width = Math.max(...names.map((n) => n.length));
  return ENV_FLAGS.map((flag, i) => `  ${names[i]!.padEnd(width)}  --${flag}\n`).join('');
}

export const HELP = `Usage: tabmux-server [options]

Starts the tabmux push server (SSE /sse, WebSocket /ws, long-poll /poll, POST /publish,
/health, /metrics, and with --status the live status page /status) and serves the demo at /.

Options:
  --port <n>                    port to listen on (default ${DEFAULTS.port})
  --host <host>                 interface to listen on (default ${DEFAULTS.host})
  --redis <url>                 scale out over Redis (redis://host:6379[/db])
  --jwt-secret <secret>         HS256 secret (>= 32 bytes) for client JWTs; subscribing then
                                needs a token (prefer the TABMUX_JWT_SECRET env variable:
                                flags show in ps)
  --jwt-public-key <file>       PEM public key (RS256/ES256) or JWKS JSON file for client JWTs
  --jwt-jwks-url <url>          an identity provider's JWKS URL (https) for client JWTs: keys
                                fetched, cached, refetched on an unknown kid (rotation)
  --jwt-jwks-cooldown <s>       at least this long between two fetches of it (default ${DEFAULTS.jwtJwksCooldown})
  --jwt-audience <aud>          client JWTs must name this audience in aud
  --jwt-issuer <iss>            client JWTs must carry this iss
  --jwt-clock-tolerance <s>     clock skew allowed on exp/nbf (default ${DEFAULTS.jwtClockTolerance})
  --auth-timeout <s>            a WebSocket without a token is closed after this (default ${DEFAULTS.authTimeout})
  --publish-key <key>           publishing needs "Authorization: Bearer <key>"
                                (without it, anyone who can reach the server may publish)
  --metrics-key <key>           /metrics and /status need "Authorization: Bearer <key>" (or the
                                publish key); prefer the TABMUX_METRICS_KEY env variable
  --base-path <path>            serve every endpoint under this prefix, e.g. /realtime
  --allow-origin <origin>       a browser origin allowed to connect; repeatable
                                (default: any origin, without credentials)
  --history <n>                 messages kept per channel for resume (default ${DEFAULTS.history})
  --history-max-bytes <bytes>   history kept over all channels, embedded broker (default ${DEFAULTS.historyMaxBytes})
  --history-max-channels <n>    channels with history, embedded broker (default ${DEFAULTS.historyMaxChannels})
  --history-ttl <s>             a channel's history is forgotten after this long without a
                                publish, in memory and in Redis (default ${DEFAULTS.historyTtl})
  --heartbeat <seconds>         heartbeat interval on streams, under 60 (default ${DEFAULTS.heartbeat})
  --max-message-size <bytes>    largest published value (default ${DEFAULTS.maxMessageSize})
  --max-channels-per-stream <n> channels one stream may hold (default ${DEFAULTS.maxChannelsPerStream})
  --max-buffered-bytes <bytes>  unsent bytes per client before it is dropped (default ${DEFAULTS.maxBufferedBytes})
  --drain-timeout <s>           a resuming client that drains nothing for this long is
                                dropped as a slow consumer (default ${DEFAULTS.drainTimeout})
  --retry <ms>                  SSE reconnection hint (default ${DEFAULTS.retry})
  --max-connections-per-ip <n>  open connections per client IP, IPv6 per /64 (default ${DEFAULTS.maxConnectionsPerIp})
  --connection-rate <n>         new SSE/WebSocket streams per second per client IP (default ${DEFAULTS.connectionRate})
  --connection-burst <n>        new streams at once before the rate applies (default ${DEFAULTS.connectionBurst})
  --publish-rate <n>            publishes/s per token (sub, else IP); key exempt (default ${DEFAULTS.publishRate})
  --publish-burst <n>           publishes at once before the rate applies (default ${DEFAULTS.publishBurst})
  --max-header-size <bytes>     largest request head (default ${DEFAULTS.maxHeaderSize})
  --max-url-length <bytes>      longest request URL (default ${DEFAULTS.maxUrlLength})
  --headers-timeout <s>         time to send request headers (default ${DEFAULTS.headersTimeout})
  --request-timeout <s>         time to send a whole request (default ${DEFAULTS.requestTimeout})
  --status                      serve the live status page at /status (data: /status.json);
                                with --publish-key it needs the key (Bearer, or ?key=)
  --trust-proxy[=<hops>]        behind reverse proxies: per-IP limits count the client address
                                from X-Forwarded-For, trusting <hops> proxies (default 1);
                                without it the header is ignored (clients can forge it)
  --node-id <id>                this node's name on the status page (default hostname-pid-xxxx)
  --log-format <text|json>      text lines for people (default), or JSON lines for log
                                collectors: {"level","time","msg",...fields}, all on stdout
  --idempotency-window <s>      a publish's Idempotency-Key is remembered this long
                                (default ${DEFAULTS.idempotencyWindow})
  --drain-delay <s>             on SIGTERM/SIGINT, keep serving (/health 503) this long so
                                balancers stop routing here (default ${DEFAULTS.drainDelay})
  --drain-spread <s>            then end the streams spread over this long (default ${DEFAULTS.drainSpread})
  --demo                        publish simulated stock prices on prices:<SYMBOL> every second
                                for the demo page at /, and turn on --status
                                (\`npm start\` turns it on)
  -h, --help                    show this help
  -v, --version                 print the version

Environment: every option above is also read from TABMUX_<OPTION> (a flag wins), e.g.
TABMUX_REDIS=redis://… for --redis; PORT is read too, after TABMUX_PORT. Boolean options take
true/false (1/0), TABMUX_ALLOW_ORIGIN a comma-separated list, TABMUX_TRUST_PROXY true or a
number of hops, TABMUX_JWT_PUBLIC_KEY a file or the PEM/JWKS text itself. Empty means unset.
${envTable()}`;

type Env = Readonly<Record<string, string | undefined>>;

/** A boolean variable: true/false, 1/0, yes/no, on/off. */
function envBoolean(name: string, text: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new UsageError(`${name} is true or false (1 or 0), got ${JSON.stringify(text)}`);
}

/** `label` names where the text came from (`--port`, `TABMUX_PORT`), for the usage error. */
function numeric(label: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < 0) {
    throw new UsageError(`${label} needs a ${integer ? 'whole ' : ''}number >= 0, got ${JSON.stringify(text)}`);
  }
  return value;
}

export type CliCommand =
  | { readonly type: 'help' }
  | { readonly type: 'version' }
  | {
      readonly type: 'start';
      readonly options: PushServerOptions;
      readonly jwtPublicKeyFile: string | undefined;
      /** Run the demo's price simulator beside the server. */
      readonly demo: boolean;
      /** `--log-format`: the server's logger, and how the CLI writes its own lines. */
      readonly logFormat: 'text' | 'json';
    };

/**
 * Reads argv, then the environment for every option argv left unset (a flag wins): so a
 * container, a systemd unit or a Kubernetes manifest configures the server without flags, and a
 * secret (a Redis URL with a password, the JWT secret, the publish key) stays out of `ps`.
 */
export function parseCli(argv: readonly string[], env: Env = {}): CliCommand {
  let values;
  try {
    const args = argv.flatMap((arg) => {
      const hops = /^--trust-proxy=(.*)$/s.exec(arg)?.[1];
      return hops === undefined ? [arg] : ['--trust-proxy-hops', hops];
    });
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { type: 'help' };
  if (values.version) return { type: 'version' };
  /** Where each value came from, so that an error names the flag or the variable the user set. */
  const label = new Map<string, string>();
  const text = (flag: (typeof VALUE_FLAGS)[number]): string | undefined => {
    const given = values[flag];
    if (given !== undefined) {
      label.set(flag, `--${flag}`);
      return given;
    }
    // PORT: the variable platforms (Heroku, Cloud Run, Render…) set; TABMUX_PORT wins over it.
    for (const name of flag === 'port' ? [envName(flag), 'PORT'] : [envName(flag)]) {
      const value = env[name];
      if (value !== undefined && value !== '') {
        label.set(flag, name);
        return value;
      }
    }
    return undefined;
  };
  const number = (flag: (typeof VALUE_FLAGS)[number], integer: boolean): number | undefined => {
    const value = text(flag);
    return numeric(label.get(flag) ?? `--${flag}`, value, integer);
  };
  const boolean = (flag: 'status' | 'demo'): boolean => {
    if (values[flag] !== undefined) return values[flag] === true;
    const value = env[envName(flag)];
    return value !== undefined && value !== '' && envBoolean(envName(flag), value);
  };
  const logFormat = text('log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`${label.get('log-format')} is text or json, got ${JSON.stringify(logFormat)}`);
  const demo = boolean('demo');
  const envOrigins = env[envName('allow-origin')];
  const allowOrigin = values['allow-origin'] ?? (envOrigins ? envOrigins.split(',').map((o) => o.trim()).filter((o) => o !== '') : undefined);
  const options: PushServerOptions = {
    port: number('port', true),
    host: text('host'),
    redis: text('redis'),
    jwtSecret: text('jwt-secret'),
    publishKey: text('publish-key'),
    metricsKey: text('metrics-key'),
    jwtJwksUrl: text('jwt-jwks-url'),
    jwtJwksCooldown: number('jwt-jwks-cooldown', false),
    jwtAudience: text('jwt-audience'),
    jwtIssuer: text('jwt-issuer'),
    allowOrigin,
    basePath: text('base-path'),
    history: number('history', true),
    historyMaxBytes: number('history-max-bytes', true),
    historyMaxChannels: number('history-max-channels', true),
    historyTtl: number('history-ttl', false),
    heartbeat: number('heartbeat', false),
    maxMessageSize: number('max-message-size', true),
    maxChannelsPerStream: number('max-channels-per-stream', true),
    maxBufferedBytes: number('max-buffered-bytes', true),
    drainTimeout: number('drain-timeout', false),
    retry: number('retry', true),
    jwtClockTolerance: number('jwt-clock-tolerance', false),
    authTimeout: number('auth-timeout', false),
    maxConnectionsPerIp: number('max-connections-per-ip', true),
    connectionRate: number('connection-rate', false),
    connectionBurst: number('connection-burst', true),
    publishRate: number('publish-rate', false),
    publishBurst: number('publish-burst', true),
    maxHeaderSize: number('max-header-size', true),
    maxUrlLength: number('max-url-length', true),
    headersTimeout: number('headers-timeout', false),
    requestTimeout: number('request-timeout', false),
    drainDelay: number('drain-delay', false),
    drainSpread: number('drain-spread', false),
    idempotencyWindow: number('idempotency-window', false),
    // The demo is a local tool: its status page is part of what it shows.
    status: boolean('status') || demo ? true : undefined,
    trustProxy: trustProxyOf(values['trust-proxy-hops'], values['trust-proxy'], env),
    nodeId: text('node-id'),
    logger: logFormat === 'json' ? jsonLogger : undefined,
  };
  // Drop unset flags so the server's defaults apply.
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as PushServerOptions;
  // TABMUX_JWT_PUBLIC_KEY may hold the key itself (a secret mounted as a variable), not only a file.
  const publicKey = text('jwt-public-key');
  const inline = publicKey !== undefined && label.get('jwt-public-key') !== '--jwt-public-key' && /^\s*(-----BEGIN|\{)/.test(publicKey);
  return {
    type: 'start',
    options: inline ? { ...defined, jwtPublicKey: publicKey } : defined,
    jwtPublicKeyFile: inline ? undefined : publicKey,
    demo,
    logFormat,
  };
}

/** `--trust-proxy` (one hop), `--trust-proxy=<n>`, else TABMUX_TRUST_PROXY: true/false or hops. */
function trustProxyOf(hops: string | undefined, flag: boolean | undefined, env: Env): boolean | number | undefined {
  if (hops !== undefined) return numeric('--trust-proxy', hops, true);
  if (flag === true) return true;
  const name = envName('trust-proxy');
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return envBoolean(name, value) || undefined;
}
