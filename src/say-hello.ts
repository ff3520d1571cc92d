/**
 * Says hello to a hub through a host, and for a host whose start can be lost without an error
 * (`retryHelloMs`: shared-worker) says it again on a fresh link at doubling intervals until the
 * hello timeout. The first answer wins; a later one is handed back to be detached. Why: Chromium
 * drops without a word a connect that reaches a SharedWorker instance as it closes (a hub retiring
 * for a deploy), and the hub's life lock, on which tabs re-attach, may be released before the
 * browser stops routing connects to it. A later connect starts a fresh instance; one that reaches
 * a live instance is simply answered too.
 */
import { TabmuxError } from './errors.js';
import type { Host, HostLink } from './hosts/types.js';

export interface HelloAttempts<H> {
  readonly host: Pick<Host, 'kind' | 'retryHelloMs'>;
  /** Opens a fresh link to the host (it may throw, e.g. a SecurityError for another origin's script). */
  open(): HostLink;
  /** Says hello on `link`: its answer, or a rejection if the link failed (and is then closed). */
  hello(link: HostLink): Promise<H>;
  /** An answer that came after another won: not ours (connect() says bye on it). */
  late(hello: H): void;
  readonly timeoutMs: number;
}

export function sayHello<H>({ host, open, hello, late, timeoutMs }: HelloAttempts<H>): Promise<H> {
  return new Promise((resolve, reject) => {
    const unanswered = new Set<HostLink>();
    let done = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const end = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(retry);
      return true;
    };
    const win = (answer: H): void => {
      if (!end()) return late(answer);
      // The others' start-up watchdogs (a script check) are moot: a hub answered.
      for (const link of unanswered) link.answered?.();
      resolve(answer);
    };
    // A failure is final at once: a script that does not load fails every attempt alike.
    const fail = (error: unknown): void => void (end() && reject(error instanceof Error ? error : new Error(String(error))));
    const deadline = setTimeout(() => {
      for (const link of unanswered) link.close(); // given up on: a hub still starting there gets no tab
      fail(new TabmuxError('TABMUX_ERR_NO_HOST', `the ${host.kind} hub did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const attempt = (wait: number): void => {
      let link: HostLink;
      try {
        link = open();
      } catch (error) {
        return fail(error);
      }
      unanswered.add(link);
      const settled = (): void => {
        unanswered.delete(link);
        if (unanswered.size === 0) clearTimeout(deadline);
      };
      hello(link).then(
        (answer) => (settled(), win(answer)),
        (error: unknown) => (settled(), fail(error)),
      );
      if (host.retryHelloMs) retry = setTimeout(() => attempt(wait * 2), wait);
    };
    attempt(host.retryHelloMs ?? 0);
  });
}
