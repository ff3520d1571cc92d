/** A subscription's `ready`: a promise settled once, by whichever answer counts first. */

export interface Ready {
  readonly ready: Promise<void>;
  /** Settles once: true if this call did. */
  settle(error?: unknown): boolean;
}

export function deferred(): Ready {
  let settle!: (error?: unknown) => boolean;
  const ready = new Promise<void>((resolve, reject) => {
    let done = false;
    settle = (error) => {
      if (done) return false;
      done = true;
      if (error === undefined) resolve();
      else reject(error);
      return true;
    };
  });
  ready.catch(() => undefined); // a caller who never looks at `ready` must not get an unhandled rejection
  return { ready, settle };
}
