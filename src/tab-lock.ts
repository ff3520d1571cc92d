/**
 * The tab's liveness lock: held from attach until `close()` or the end of the document. The hub
 * requests the same name and is granted it when the tab is gone (worker/tab-server.ts).
 */
export interface HeldLock {
  readonly name: string;
  /** Resolves once the lock is held (the hub must not ask for it before). */
  readonly held: Promise<void>;
  release(): void;
}

export function holdTabLock(name: string): HeldLock {
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => {
    if (typeof navigator === 'undefined' || !navigator.locks) return resolve();
    void navigator.locks.request(name, () => {
      resolve();
      return new Promise<void>((done) => (release = done));
    });
  });
  return { name, held, release: () => release() };
}

/** Resolves when the lock `name`, held by someone else, is released (its holder died). */
export function whenReleased(name: string): Promise<void> {
  return new Promise((resolve) => {
    // Shared mode: all waiters are granted together when the holder dies. Exclusive waiters queue,
    // and a frozen page first in that queue would keep every tab behind it from ever hearing.
    void navigator.locks.request(name, { mode: 'shared' }, () => resolve());
  });
}
