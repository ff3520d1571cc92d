/**
 * A worker's life lock: a Web Lock held until the worker ends (Web Locks release a terminated
 * agent's locks) or `end()`. Tabs wait for it, so they learn of the hub's death by being granted
 * it, then attach to a fresh hub and resume from their cursors.
 */
export interface LifeLock {
  /** Resolves to the lock's name once it is held (a tab must not wait for it before). */
  readonly name: Promise<string>;
  /** Releases it early: a hub that hands over (a Service Worker made redundant by a deploy). */
  end(): void;
}

export function holdLifeLock(lockName: string): LifeLock {
  let end = () => undefined as void;
  const name = new Promise<string>((resolve) => {
    void navigator.locks.request(lockName, () => {
      resolve(lockName);
      return new Promise<void>((done) => (end = done));
    });
  });
  return { name, end: () => end() };
}
