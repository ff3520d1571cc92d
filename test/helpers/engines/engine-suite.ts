/**
 * Runs one test body in every engine (launch.ts): `describe(<engine>)` with its own push server,
 * static server for the test pages and browser, all started in ONE `before` (in order) and ended
 * in `after`. The handles exist before their objects do (so a body can destructure them at its
 * top) and forward to them once `before` has run, as in ../e2e-fixture.ts.
 *
 * `TABMUX_ENGINES=firefox,webkit` runs a subset (development); an engine that is not installed
 * fails its tests, never skips them: what `before` could not start is an error every test of the
 * engine fails with (the first handle it touches throws it).
 */
import { after, before, describe } from 'node:test';
import type { PushServerOptions } from '../../../server/index.js';
import { assertBuilt, startStaticServer, type StaticServer } from '../browser.js';
import type { LocalServer } from '../local-http.js';
import { startServer, type StartedServer } from '../server.js';
import { ENGINES, launchEngine } from './launch.js';
import type { Engine, EngineName } from './types.js';

export interface EngineSuite<Front> {
  readonly name: EngineName;
  readonly engine: Engine;
  readonly push: StartedServer;
  readonly pages: StaticServer;
  /** What `front` started (a proxy, a token server), if asked. */
  readonly front: Front;
}

export interface EngineSuiteOptions<Front extends LocalServer> {
  readonly server?: PushServerOptions;
  /** A server beside the push server (started after it, closed before it). */
  readonly front?: (push: StartedServer) => Promise<Front>;
}

/** The engines to run: all of them, or those named in TABMUX_ENGINES. */
export function selectedEngines(): readonly EngineName[] {
  const asked = process.env.TABMUX_ENGINES?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!asked?.length) return ENGINES;
  const unknown = asked.filter((name) => !ENGINES.includes(name as EngineName));
  if (unknown.length) throw new Error(`TABMUX_ENGINES names no engine: ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`);
  return asked as EngineName[];
}

function late<T extends object>(what: string, failure: () => unknown): { handle: T; set(value: T | undefined): void; get(): T | undefined } {
  let value: T | undefined;
  const real = (): T => {
    if (value !== undefined) return value;
    const error = failure();
    throw error instanceof Error ? error : new Error(`${what} is not there: it is started in before`);
  };
  const handle = new Proxy({} as T, {
    get(_, key) {
      const target = real();
      const got: unknown = Reflect.get(target, key, target);
      return typeof got === 'function' ? got.bind(target) : got;
    },
  });
  return { handle, set: (next) => (value = next), get: () => value };
}

/** Calls `body` once per engine, inside `describe(<engine>)`, with that engine's handles. */
export function eachEngine<Front extends LocalServer = LocalServer>(options: EngineSuiteOptions<Front>, body: (suite: EngineSuite<Front>) => void): void {
  for (const name of selectedEngines()) {
    describe(name, () => {
      let failure: unknown;
      const engine = late<Engine>(`the ${name} browser`, () => failure);
      const push = late<StartedServer>('the push server', () => failure);
      const pages = late<StaticServer>('the static server', () => failure);
      const front = late<Front>('the front server', () => failure);
      before(async () => {
        try {
          assertBuilt();
          push.set(await startServer(options.server));
          pages.set(await startStaticServer());
          if (options.front) front.set(await options.front(push.get()!));
          const started = Date.now();
          engine.set(await launchEngine(name));
          console.log(`# ${name}: ${engine.get()!.version}, launched in ${Date.now() - started} ms`);
        } catch (error) {
          // Kept for the tests to fail with: a failing hook would only cancel them.
          failure = error;
        }
      });
      after(async () => {
        // The browser first: its tabs would otherwise reconnect to servers that are closing.
        await engine.get()?.quit();
        await front.get()?.close();
        await pages.get()?.close();
        await push.get()?.close();
      });
      body({ name, engine: engine.handle, push: push.handle, pages: pages.handle, front: front.handle });
    });
  }
}
