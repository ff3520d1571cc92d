/**
 * Watches what the hub needs to know about this page to save battery (README, Battery and network): is it shown
 * (`visibilitychange`), frozen (Page Lifecycle `freeze`/`resume`), restored from the back/forward
 * cache (`pageshow` with `persisted`), online (`online`/`offline`), and does the user ask to save
 * data (`navigator.connection.saveData`, Network Information API, Chromium only)?
 *
 * It only reports; the decisions are the hub's (worker/visibility.ts), because only the hub sees
 * every tab.
 */
import type { TabLifecycle } from './hub-protocol/lifecycle.js';

interface NetworkInformationLike extends EventTarget {
  readonly saveData?: boolean;
}

export interface PageLifecycleOptions {
  /** `pauseWhenHidden` in ms, or false. */
  readonly pauseAfterMs: number | false;
  /** Whether this tab wants the upstream kept open while hidden (asked on every report). */
  readonly keepAlive: () => boolean;
  /** Called with the new report whenever something in it may have changed. */
  readonly onChange: (report: TabLifecycle) => void;
  /** `pagehide` with `persisted`: the page goes into the back/forward cache. */
  readonly onEnterCache?: () => void;
  /** `pageshow` with `persisted`: the page came back from the back/forward cache. */
  readonly onLeaveCache?: () => void;
}

export interface PageLifecycle {
  report(): TabLifecycle;
  /** Something outside the page changed the report (a keep-alive subscription came or went). */
  changed(): void;
  stop(): void;
}

export function watchPageLifecycle(options: PageLifecycleOptions): PageLifecycle {
  const connection = typeof navigator !== 'undefined' ? (navigator as Navigator & { connection?: NetworkInformationLike }).connection : undefined;
  let frozen = false;
  const report = (): TabLifecycle => ({
    visible: typeof document === 'undefined' || (document.visibilityState !== 'hidden' && !frozen),
    keepAlive: options.keepAlive(),
    pauseAfterMs: options.pauseAfterMs,
    saveData: connection?.saveData === true,
    online: typeof navigator === 'undefined' || navigator.onLine !== false,
  });
  const changed = () => options.onChange(report());
  const onFreeze = () => {
    frozen = true;
    changed(); // may not be delivered before the freeze; `visibilitychange` to hidden came first
  };
  const onResume = () => {
    frozen = false;
    changed();
  };
  const onPageShow = (event: PageTransitionEvent) => {
    frozen = false;
    if (event.persisted) options.onLeaveCache?.();
    changed();
  };
  const onPageHide = (event: PageTransitionEvent) => {
    if (event.persisted) options.onEnterCache?.();
  };
  const listeners: Array<[EventTarget | undefined, string, EventListener]> = [
    [globalThis.document, 'visibilitychange', changed],
    [globalThis.document, 'freeze', onFreeze],
    [globalThis.document, 'resume', onResume],
    [globalThis.window, 'pageshow', onPageShow as EventListener],
    [globalThis.window, 'pagehide', onPageHide as EventListener],
    [globalThis.window, 'online', changed],
    [globalThis.window, 'offline', changed],
    [connection, 'change', changed],
  ];
  for (const [target, type, listener] of listeners) target?.addEventListener(type, listener);
  return {
    report,
    changed,
    stop() {
      for (const [target, type, listener] of listeners) target?.removeEventListener(type, listener);
    },
  };
}
