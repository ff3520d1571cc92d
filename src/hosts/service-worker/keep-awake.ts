/**
 * When a tab wants its Service Worker hub awake, and the pings that keep it so.
 *
 * A Service Worker lives only while it handles events (Service Workers §"Service Worker
 * Lifetime"); messages on a port it holds are not events. So while this tab wants a hub, it posts
 * a `keepalive` message every `PING_INTERVAL_MS`, each of which restarts the browser's idle timer
 * (worker/runtimes/service-worker.ts says why not `waitUntil`). When no tab wants one, the pings stop
 * and the browser stops the worker and its upstream: that is the battery win, so nothing here may
 * ping by accident.
 *
 * A tab wants a hub while it is visible, or asks to keep the upstream (`keepAliveWhenHidden`,
 * `pauseWhenHidden: false`), or has been hidden for less than its `pauseWhenHidden` grace — the
 * same rule as the hub's own (worker/visibility.ts), so the hub pauses first and the worker then
 * stops. Without a lifecycle report from the tab, only visibility counts (grace 0).
 */
import type { TabLifecycle } from '../../hub-protocol/lifecycle.js';

/** Under Chromium's 30 s idle timeout, with room for a throttled timer in a busy page. */
export const PING_INTERVAL_MS = 20_000;

/** What a tab knows about its page: `connect()`'s lifecycle report (src/page-lifecycle.ts). */
export type LifecycleSource = () => Pick<TabLifecycle, 'visible' | 'keepAlive' | 'pauseAfterMs'>;

export interface KeepAwakeOptions {
  readonly lifecycle: LifecycleSource;
  /** Posts one `keepalive` message to the worker; `hidden`: this page's timers may be throttled. */
  readonly ping: (hidden: boolean) => void;
  readonly now: () => number;
  /** Calls `listener` when the page may have changed (visibilitychange…); returns a stop function. */
  readonly onPageChange: (listener: () => void) => () => void;
  /** Calls `tick` every `ms`; returns a stop function. Injected for tests; default setInterval. */
  readonly every?: (tick: () => void, ms: number) => () => void;
}

const intervals = (tick: () => void, ms: number): (() => void) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

export interface KeepAwake {
  wanted(): boolean;
  /** Resolves as soon as the tab wants a hub (at once if it does now). */
  whenWanted(): Promise<void>;
  stop(): void;
}

export function keepAwake(options: KeepAwakeOptions): KeepAwake {
  let hiddenSince: number | undefined;
  const waiters = new Set<() => void>();
  const wanted = (): boolean => {
    const report = options.lifecycle();
    if (report.visible) {
      hiddenSince = undefined;
      return true;
    }
    hiddenSince ??= options.now();
    if (report.keepAlive || report.pauseAfterMs === false) return true;
    return options.now() - hiddenSince < report.pauseAfterMs;
  };
  let awake = wanted(); // starts the hidden clock if the page is already hidden
  const evaluate = (tick: boolean) => {
    const now = wanted();
    // Every tick while wanted; and at once when the page starts wanting a hub again, since the
    // worker may be about to be stopped (or already is: the message starts it).
    if (now && (tick || !awake)) options.ping(!options.lifecycle().visible);
    awake = now;
    if (!now) return;
    for (const resolve of waiters) resolve();
    waiters.clear();
  };
  const stopTicking = (options.every ?? intervals)(() => evaluate(true), PING_INTERVAL_MS);
  const stopWatching = options.onPageChange(() => evaluate(false));
  return {
    wanted,
    whenWanted: () => (wanted() ? Promise.resolve() : new Promise<void>((resolve) => waiters.add(resolve))),
    stop() {
      stopTicking();
      stopWatching();
      waiters.clear();
    },
  };
}

/** The page's own view when `connect()` gives no report: visible or not, nothing more. */
export const visibilityOnly: LifecycleSource = () => ({ visible: document.visibilityState === 'visible', keepAlive: false, pauseAfterMs: 0 });

/** `visibilitychange`, Page Lifecycle `freeze`/`resume` and `pageshow`: whatever may flip `wanted()`. */
export function onPageChange(listener: () => void): () => void {
  const targets: Array<[EventTarget, string]> = [
    [document, 'visibilitychange'],
    [document, 'resume'],
    [window, 'pageshow'],
  ];
  for (const [target, type] of targets) target.addEventListener(type, listener);
  return () => {
    for (const [target, type] of targets) target.removeEventListener(type, listener);
  };
}
