/**
 * A real `redis-server` for tests: on a free loopback port, in its own temp dir, started and
 * stopped by the test. Missing `redis-server` is a FAILURE with a clear message, never a skip:
 * a suite that silently skips its Redis tests proves nothing.
 *
 * `stop()` + `start()` keep the same port (an outage, then recovery); with `persist: true` the
 * data survives it (AOF, fsync on every write), without it a restart is a wiped Redis.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** Keep data across stop/start (appendonly, fsync always). Default: no persistence at all. */
  readonly persist?: boolean;
  /** Bound on start-up (ms). */
  readonly startTimeout?: number;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Whether the process runs now. */
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGTERM (or SIGKILL with `kill: true`), waits for the exit, bounded. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** SIGSTOP / SIGCONT: Redis keeps its sockets open but answers nothing, like a hung host. */
  freeze(): void;
  thaw(): void;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** Answers PING with +PONG over a raw socket: the server accepts commands. */
function ping(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(why));
    };
    socket.setTimeout(timeoutMs, () => fail(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`));
    socket.on('error', (error) => fail(`redis-server on port ${port}: ${error.message}`));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`redis-server answered PING with ${JSON.stringify(reply)}`));
    });
  });
}

function launch(port: number, dir: string, persist: boolean, timeoutMs: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no'];
  args.push(...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      if (error) reject(error);
      else resolve(child);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      done(
        error.code === 'ENOENT'
          ? new Error(`'${BINARY}' was not found: install Redis (e.g. apt-get install redis-server) or set REDIS_SERVER. Redis tests fail without it.`)
          : error,
      );
    });
    child.once('exit', (code, signal) => done(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`)));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // Redis logs this once it listens (and, with AOF, once the data is loaded).
      if (!/Ready to accept connections/.test(output)) return;
      child.removeAllListeners('exit');
      ping(port, timeoutMs).then(() => done(), done);
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tabmux-redis-'));
  const persist = options.persist ?? false;
  const startTimeout = options.startTimeout ?? 10_000;
  let port = 0;
  let child: ChildProcess | undefined;

  // A port found free can be taken before redis binds it: try a few.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, persist, startTimeout);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      child = await launch(port, dir, persist, startTimeout);
    },
    async stop({ kill = false } = {}) {
      const running = child;
      if (!running || !server.running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(kill ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async dispose() {
      server.thaw();
      await server.stop({ kill: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
