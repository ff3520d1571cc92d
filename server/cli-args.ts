/**
 * `tabmux-server` flags (node:util parseArgs, strict): every option of the README (Server) plus the
 * server's own limits. Pure: parses argv into PushServerOptions or a usage error, so it is
 * unit-testable without starting anything.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from './options.js';
import type { PushServerOptions } from './options.js';
import { jsonLogger } from './logger.js';

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
  --jwt-audience <aud>          client JWTs must name this audience in aud (or env TABMUX_JWT_AUDIENCE)
  --jwt-issuer <iss>            client JWTs must carry this iss (or env TABMUX_JWT_ISSUER)
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
  --max-connections-per-ip <n>  open connections per client IP (default ${DEFAULTS.maxConnectionsPerIp})
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
  --demo                        publish simulated stock prices on prices:<SYMBOL> every second
                                for the demo page at /, and turn on --status
                                (\`npm start\` turns it on)
  -h, --help                    show this help
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The flags that take a value, kept as text: `numeric` checks the numbers among them. */
const VALUE_FLAGS = [
  'port', 'host', 'redis', 'jwt-secret', 'jwt-public-key', 'jwt-audience', 'jwt-issuer', 'publish-key', 'metrics-key', 'base-path', 'history', 'history-max-bytes',
  'history-max-channels', 'history-ttl', 'heartbeat',
  'max-message-size', 'max-channels-per-stream', 'max-buffered-bytes', 'drain-timeout', 'retry', 'jwt-clock-tolerance', 'auth-timeout',
  'max-connections-per-ip', 'publish-rate', 'publish-burst', 'max-header-size', 'max-url-length', 'headers-timeout',
  'request-timeout',
  /** `--trust-proxy=<n>` arrives here (see parseCli): a boolean flag cannot take a value. */
  'trust-proxy-hops',
  'node-id',
  'log-format',
] as const;

const OPTIONS = {
  // Object.fromEntries types its keys as string: the cast restores them, for parseArgs's `values`.
  ...(Object.fromEntries(VALUE_FLAGS.map((flag) => [flag, { type: 'string' }])) as Record<(typeof VALUE_FLAGS)[number], { type: 'string' }>),
  'allow-origin': { type: 'string', multiple: true },
  status: { type: 'boolean' },
  'trust-proxy': { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function numeric(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < 0) {
    throw new UsageError(`--${flag} needs a ${integer ? 'whole ' : ''}number >= 0, got ${JSON.stringify(text)}`);
  }
  return value;
}

export type CliCommand =
  | { readonly type: 'help' }
  | {
      readonly type: 'start';
      readonly options: PushServerOptions;
      readonly jwtPublicKeyFile: string | undefined;
      /** Run the demo's price simulator beside the server. */
      readonly demo: boolean;
      /** `--log-format`: the server's logger, and how the CLI writes its own lines. */
      readonly logFormat: 'text' | 'json';
    };

/** `env` supplies secrets that should not be flags (visible in `ps`): TABMUX_JWT_SECRET, TABMUX_PUBLISH_KEY. */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliCommand {
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
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format is text or json, got ${JSON.stringify(logFormat)}`);
  const options: PushServerOptions = {
    port: numeric('port', values.port, true),
    host: values.host,
    redis: values.redis,
    jwtSecret: values['jwt-secret'] ?? env.TABMUX_JWT_SECRET,
    publishKey: values['publish-key'] ?? env.TABMUX_PUBLISH_KEY,
    metricsKey: values['metrics-key'] ?? env.TABMUX_METRICS_KEY,
    jwtAudience: values['jwt-audience'] ?? env.TABMUX_JWT_AUDIENCE,
    jwtIssuer: values['jwt-issuer'] ?? env.TABMUX_JWT_ISSUER,
    allowOrigin: values['allow-origin'],
    basePath: values['base-path'],
    history: numeric('history', values.history, true),
    historyMaxBytes: numeric('history-max-bytes', values['history-max-bytes'], true),
    historyMaxChannels: numeric('history-max-channels', values['history-max-channels'], true),
    historyTtl: numeric('history-ttl', values['history-ttl'], false),
    heartbeat: numeric('heartbeat', values.heartbeat, false),
    maxMessageSize: numeric('max-message-size', values['max-message-size'], true),
    maxChannelsPerStream: numeric('max-channels-per-stream', values['max-channels-per-stream'], true),
    maxBufferedBytes: numeric('max-buffered-bytes', values['max-buffered-bytes'], true),
    drainTimeout: numeric('drain-timeout', values['drain-timeout'], false),
    retry: numeric('retry', values.retry, true),
    jwtClockTolerance: numeric('jwt-clock-tolerance', values['jwt-clock-tolerance'], false),
    authTimeout: numeric('auth-timeout', values['auth-timeout'], false),
    maxConnectionsPerIp: numeric('max-connections-per-ip', values['max-connections-per-ip'], true),
    publishRate: numeric('publish-rate', values['publish-rate'], false),
    publishBurst: numeric('publish-burst', values['publish-burst'], true),
    maxHeaderSize: numeric('max-header-size', values['max-header-size'], true),
    maxUrlLength: numeric('max-url-length', values['max-url-length'], true),
    headersTimeout: numeric('headers-timeout', values['headers-timeout'], false),
    requestTimeout: numeric('request-timeout', values['request-timeout'], false),
    // The demo is a local tool: its status page is part of what it shows.
    status: values.status === true || values.demo === true ? true : undefined,
    trustProxy: values['trust-proxy-hops'] !== undefined ? numeric('trust-proxy', values['trust-proxy-hops'], true) : values['trust-proxy'] === true ? true : undefined,
    nodeId: values['node-id'],
    logger: logFormat === 'json' ? jsonLogger : undefined,
  };
  // Drop unset flags so the server's defaults apply.
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as PushServerOptions;
  return { type: 'start', options: defined, jwtPublicKeyFile: values['jwt-public-key'], demo: values.demo === true, logFormat };
}
