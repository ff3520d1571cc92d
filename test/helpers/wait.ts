/**
 * The two bounded waits of every test, in Node and in the page alike (no Node-only import: the
 * web-test-runner tests bundle this file into the page). Both fail with
 * `timed out after <ms> ms waiting for <what>`, so a failure says what never came.
 *
 * - `withTimeout(promise, ms, what)`: something that announces itself (an event, an answer) must
 *   come within `ms`.
 * - `waitFor(what, check, timeoutMs, everyMs)`: state that has no event of its own (a metric, a
 *   page's log, /health) is read again every `everyMs` until it holds.
 */

type Falsy = undefined | null | false | 0 | '';

/**
 * Polls `check` every `everyMs` until it returns a truthy value, and resolves with that value.
 * Fails after `timeoutMs` with `what` and the last value seen; `what` may be a function, asked at
 * the timeout, to say more (e.g. the last answer a check read).
 */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | Falsy> | T | Falsy, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | Falsy;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** `promise`, or a failure naming `what` if it has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
