/**
 * The hub's upstream state machine. Only `Hub.#setState` moves it, and only along this table.
 *
 *                first channel               $open / subscribed
 *     ┌──────┐ ─────────────▶ ┌────────────┐ ───────────────▶ ┌──────┐
 *     │ idle │                │ connecting │ ◀─────────────── │ open │
 *     └──────┘                └────────────┘  reopen from     └──────┘
 *                               │       ▲     scratch (rewind)   │
 *                       failure │       │ timer fires,           │ failure
 *                               ▼       │ or back online         │
 *                             ┌─────────┐                        │
 *                             │ backoff │ ◀──────────────────────┘
 *                             └─────────┘
 *
 *   connecting ──▶ connecting: the wanted set changed before the upstream opened, or another
 *   hub's upstream gate was released; the attempt starts again.
 *   last channel gone:  connecting, open, backoff, paused ──▶ idle
 *   every tab hidden (README, pauseWhenHidden):  idle, connecting, open, backoff ──▶ paused
 *   a tab visible again:  paused ──▶ connecting (or idle, when no channel is wanted by then)
 *   the host shut the hub down:  any state ──▶ closed, which is terminal
 *
 * (A channel set changed while open does not move the state: a second upstream opens beside the
 * first and then replaces it, or a WebSocket subscribes in place.)
 *
 * Timers belong to states: `backoff` owns the reconnect timer; `connecting` owns none (each
 * transport bounds its own start, e.g. SSE's `openTimeoutMs`). Leaving a state clears its timer.
 */
import type { MuxState, UpstreamState } from '../src/hub-protocol/hub-api.js';

export const TRANSITIONS: Readonly<Record<UpstreamState, readonly UpstreamState[]>> = {
  idle: ['connecting', 'paused', 'closed'],
  connecting: ['connecting', 'open', 'backoff', 'idle', 'paused', 'closed'],
  open: ['connecting', 'backoff', 'idle', 'paused', 'closed'],
  backoff: ['connecting', 'idle', 'paused', 'closed'],
  paused: ['connecting', 'idle', 'closed'],
  closed: [],
};

/** What tabs see. `idle` (no channel wanted yet) reads as connecting: nothing is delivered yet. */
export function publicState(state: UpstreamState): MuxState {
  switch (state) {
    case 'idle':
    case 'connecting':
    case 'backoff':
      return 'connecting';
    case 'open':
      return 'open';
    case 'paused':
      return 'paused';
    case 'closed':
      return 'closed';
    default: {
      const never: never = state;
      return never;
    }
  }
}

export function canMove(from: UpstreamState, to: UpstreamState): boolean {
  return TRANSITIONS[from].includes(to);
}
