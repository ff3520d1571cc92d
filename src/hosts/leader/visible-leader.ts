/**
 * The leader host prefers a visible leader. Browsers throttle a hidden page's timers (Chromium:
 * at most one wake-up a second, one a minute after five minutes hidden; Firefox and Safari alike)
 * and may freeze it, and the hub's timers (backoff, heartbeat watchdog, token refresh) run in the
 * leader's page. So a leader hidden for `graceMs` says so in its announcement, and a visible
 * follower that hears it, or that becomes visible while it is so, takes the leadership over
 * (election.ts `steal`); the tabs re-attach from their cursors, as on any hand-over.
 *
 * The grace keeps a user who flips between two tabs of the app from paying a reconnect per flip.
 * Both halves run in every page: the leader's while it leads, the follower's while it follows.
 */

/** Long enough for a tab switch and back; short next to the minutes after which throttling bites. */
export const HIDDEN_LEADER_GRACE_MS = 5000;

export interface VisibilitySource {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface VisibleLeaderOptions {
  /** The page's document (absent outside a page: nothing to prefer). */
  readonly document: VisibilitySource | undefined;
  /** This page leads now. */
  readonly leading: () => boolean;
  /** Leader: announce again (the announcement reads `stale()`). */
  readonly announce: () => void;
  /** Follower: take the leadership from a hidden leader. */
  readonly claim: () => void;
  readonly graceMs?: number;
  readonly setTimeout?: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout?: (handle: unknown) => void;
}

export interface VisibleLeader {
  /** Leader: hidden for the grace (what the announcement says as `hidden`). */
  stale(): boolean;
  /** This page's term began (it may already be hidden). */
  started(): void;
  /** Follower: a leader was heard of; `hidden` as it announced (undefined: not said, e.g. in an `accepted`). */
  heard(leader: string, hidden: boolean | undefined): void;
}

export function preferVisibleLeader(options: VisibleLeaderOptions): VisibleLeader {
  const { document } = options;
  const graceMs = options.graceMs ?? HIDDEN_LEADER_GRACE_MS;
  const setTimer = options.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimeout ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const visible = () => document?.visibilityState !== 'hidden';
  let timer: unknown;
  let stale = false;
  let leader: string | undefined;
  let leaderHidden = false;

  const stopTimer = () => {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  };
  /** Leader side: start the grace when hidden, end staleness when shown. */
  const track = () => {
    if (!options.leading()) {
      stopTimer();
      stale = false;
      return;
    }
    if (visible()) {
      stopTimer();
      if (stale) {
        stale = false;
        options.announce();
      }
    } else if (timer === undefined && !stale) {
      timer = setTimer(() => {
        timer = undefined;
        if (!options.leading() || visible()) return;
        stale = true;
        options.announce();
      }, graceMs);
    }
  };
  const maybeClaim = () => {
    if (!options.leading() && leaderHidden && visible()) options.claim();
  };
  document?.addEventListener('visibilitychange', () => {
    track();
    maybeClaim();
  });

  return {
    stale: () => stale,
    started() {
      stopTimer();
      stale = false;
      track();
    },
    heard(id, hidden) {
      if (hidden !== undefined || id !== leader) leaderHidden = hidden ?? false;
      leader = id;
      maybeClaim();
    },
  };
}
