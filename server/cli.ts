/**
 * `tabmux-server`: parse flags and environment, start, say loudly when the server is open to
 * anyone, and drain on SIGINT/SIGTERM (README, Deploying): not ready at once, streams ended
 * after the drain delay, exit within drainDelay + drainSpread + closeTimeout; a second signal
 * exits at once. Exit codes: 0 clean stop, 1 runtime failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { parseCli, HELP, UsageError } from './cli-args.js';
import type { CliCommand } from './cli-args.js';
import { PushError } from './errors.js';
import { jsonLogger, serverLog } from './logger.js';
import type { LogFields } from './logger.js';
import { createPushServer, DEFAULTS } from './index.js';
import { TABMUX_VERSION } from '../src/protocol/version.js';
import type { PushServer } from './index.js';
import { startPriceSimulator } from './demo/simulator.js';

const OPEN_WARNING = box([
  'WARNING: this server is OPEN. No --publish-key and no JWT key is set:',
  'anyone who can reach it may subscribe to and PUBLISH on any channel.',
  'Set --publish-key (and keep it on localhost) before exposing it.',
]);
const OPEN_SUBSCRIBE_WARNING = box([
  'NOTE: no JWT key is set (--jwt-secret / --jwt-public-key):',
  'anyone who can reach this server may SUBSCRIBE to any channel.',
]);

function box(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `  ${'*'.repeat(width + 5)}`;
  return `\n${rule}\n${lines.map((l) => `  *  ${l.padEnd(width)} *`).join('\n')}\n${rule}\n\n`;
}

/**
 * The CLI's own lines (listening, warnings, shutdown): text for people, or with
 * `--log-format json` JSON lines like the server's, so that a collector reads the whole output.
 */
function reporter(json: boolean): { info(text: string, message: string, fields?: LogFields): void; warn(text: string, message: string, fields?: LogFields): void } {
  const log = json ? serverLog(jsonLogger) : undefined;
  return {
    info: (text, message, fields) => (log ? log.info(message, fields) : void process.stdout.write(text)),
    warn: (text, message, fields) => (log ? log.warn(message, fields) : void process.stderr.write(text)),
  };
}

function usage(message: string): never {
  process.stderr.write(`tabmux-server: ${message}\nRun tabmux-server --help for the options.\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) usage(error.message);
    throw error;
  }
  if (command.type === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command.type === 'version') {
    process.stdout.write(`${TABMUX_VERSION}\n`);
    return;
  }
  let options = command.options;
  const say = reporter(command.logFormat === 'json');
  if (command.jwtPublicKeyFile !== undefined) {
    try {
      options = { ...options, jwtPublicKey: readFileSync(command.jwtPublicKeyFile, 'utf8') };
    } catch {
      usage(`cannot read --jwt-public-key file ${command.jwtPublicKeyFile}`);
    }
  }
  let push: PushServer;
  try {
    push = createPushServer(options);
  } catch (error) {
    if (error instanceof PushError) usage(error.message);
    throw error;
  }
  let address: { port: number; host: string };
  try {
    address = await push.listen();
  } catch (error) {
    say.warn(`tabmux-server: cannot listen: ${(error as Error).message}\n`, 'cannot listen', { error });
    process.exit(1);
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const url = `http://${host}:${address.port}/`;
  say.info(`tabmux-server listening on ${url}\n`, 'listening', { url });
  if (options.status) {
    const base = `http://${host}:${address.port}${(options.basePath ?? '').replace(/\/+$/, '')}/status`;
    const keyed = options.publishKey !== undefined;
    say.info(`status page: ${base}${keyed ? ' (needs the publish key: ?key=… or Authorization: Bearer)' : ''}\n`, 'status page', { url: base, needsPublishKey: keyed });
  }
  const jwt = options.jwtSecret !== undefined || options.jwtPublicKey !== undefined || options.jwtJwksUrl !== undefined;
  if (options.publishKey === undefined && !jwt) say.warn(OPEN_WARNING, 'the server is OPEN: no publish key and no JWT key, anyone who can reach it may subscribe to and publish on any channel');
  else if (!jwt) say.warn(OPEN_SUBSCRIBE_WARNING, 'no JWT key: anyone who can reach the server may subscribe to any channel');
  // Demo prices only on request: a real deployment must not publish made-up data on its channels.
  const stopPrices = command.demo ? startPriceSimulator(push, { intervalMs: 1000 }) : () => undefined;

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      say.warn(`tabmux-server: ${signal} again, exiting now\n`, 'signal again: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    const drainDelay = options.drainDelay ?? DEFAULTS.drainDelay;
    const drainSpread = options.drainSpread ?? DEFAULTS.drainSpread;
    say.info(`tabmux-server: ${signal}, closing gracefully: not ready now, streams end in ${drainDelay} s (spread over ${drainSpread} s)\n`, 'closing gracefully', { signal, drainDelay, drainSpread });
    stopPrices();
    // The bound a supervisor can rely on (systemd's TimeoutStopSec, Kubernetes'
    // terminationGracePeriodSeconds): drain's own parts, plus a second for the broker to close.
    const boundMs = (drainDelay + drainSpread) * 1000 + DEFAULTS.closeTimeout + 1000;
    setTimeout(() => {
      say.warn(`tabmux-server: not closed after ${boundMs} ms, exiting\n`, 'drain overran its bound: exiting', { boundMs });
      process.exit(1);
    }, boundMs).unref();
    push.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        say.warn(`tabmux-server: close failed: ${(error as Error).message}\n`, 'close failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`tabmux-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
