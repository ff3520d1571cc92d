/**
 * The election of one leader page per hub name, with the Web Locks API: an exclusive lock has one
 * holder at a time and waiting requests are granted in order (Web Locks §2 "lock request queue"),
 * and a page that ends, crashed or not, releases what it holds. So there are never two leaders,
 * and the next page in the queue leads as soon as the last one is gone.
 *
 *   out ──join──▶ joining ──free──▶ starting ──term up──▶ leader ──leave / stolen──▶ out / following
 *                   │ taken                ▲ granted                                      │
 *                   ▼                      │                                              │
 *               following ─────────────────┘ ◀───────────────────── (stolen: queue again) ┘
 *
 * `leave()` is for a frozen page (Page Lifecycle): a frozen page keeps its locks but runs no
 * code, so it must neither lead nor wait in the queue (it would be granted the lock and sit on
 * it). `steal()` is for a page newer than the leader (Web Locks `steal`: the holder's request
 * rejects with an AbortError, and it steps down).
 */
export type Role = 'out' | 'joining' | 'following' | 'starting' | 'leader';

export interface ElectionOptions {
  readonly lockName: string;
  /** Starts a term; resolves with the function that ends it (rejects: this page cannot lead). */
  readonly lead: () => Promise<() => void>;
  /** The lock request itself failed (an opaque origin: SecurityError): this page cannot take part. */
  readonly failed?: (error: unknown) => void;
  readonly locks?: LockManager;
}

export interface Election {
  readonly role: Role;
  /** Resolves once this page knows whether it leads (not joining, not starting a term). */
  settled(): Promise<void>;
  join(): void;
  leave(): void;
  steal(): void;
}

export function createElection(options: ElectionOptions): Election {
  const locks = options.locks ?? navigator.locks;
  let role: Role = 'out';
  /** Withdraws the queued request. */
  let queued: AbortController | undefined;
  /** Ends the current term and lets the lock go. */
  let stepDown: (() => void) | undefined;
  const waiters: Array<() => void> = [];
  /** steal() came while joining: steal as soon as we know the lock is taken. */
  let stealWhenTaken = false;

  const setRole = (next: Role) => {
    role = next;
    if (next === 'joining' || next === 'starting') return;
    for (const resolve of waiters.splice(0)) resolve();
  };

  const request = (mode: 'if-available' | 'queue' | 'steal') => {
    const controller = mode === 'queue' ? new AbortController() : undefined;
    queued = controller ?? queued;
    // `signal` cannot go with `ifAvailable` or `steal` (Web Locks §3.1 request(), NotSupportedError).
    const lockOptions: LockOptions = mode === 'queue' ? { signal: controller!.signal } : mode === 'steal' ? { steal: true } : { ifAvailable: true };
    let release: (() => void) | undefined;
    void locks
      .request(options.lockName, lockOptions, async (lock) => {
        if (!lock) {
          // Taken: someone leads. Wait in line for the succession.
          if (role === 'joining') {
            setRole('following');
            if (stealWhenTaken) steal();
            else request('queue');
          }
          return;
        }
        if (role === 'out') return; // left (frozen) meanwhile: let it go at once
        if (queued === controller) queued = undefined;
        setRole('starting');
        const held = new Promise<void>((resolve) => (release = resolve));
        stepDown = () => release?.();
        const end = await options.lead().catch(() => undefined);
        if (role === 'starting') setRole(end ? 'leader' : 'following');
        else end?.(); // left while the term was starting
        if (end && role === 'leader') {
          await held;
          try {
            end();
          } finally {
            if (role === 'leader') {
              // Stolen by a newer page: follow it, and stand in line after it.
              setRole('following');
              request('queue');
            }
          }
        }
        stepDown = undefined;
      })
      .catch((error: unknown) => {
        // AbortError: our queued request was withdrawn, or the lock was stolen from us.
        if (release) return release();
        if ((error as Error | undefined)?.name === 'AbortError') return;
        setRole('out');
        options.failed?.(error);
      });
  };

  function steal(): void {
    stealWhenTaken = false;
    queued?.abort();
    queued = undefined;
    setRole('starting');
    request('steal');
  }

  return {
    get role() {
      return role;
    },
    settled: () => (role === 'joining' || role === 'starting' ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    join() {
      if (role !== 'out') return;
      setRole('joining');
      request('if-available');
    },
    leave() {
      stealWhenTaken = false;
      if (role === 'out') return;
      setRole('out');
      queued?.abort();
      queued = undefined;
      stepDown?.();
    },
    steal() {
      if (role === 'joining') stealWhenTaken = true;
      if (role === 'following') steal();
    },
  };
}
