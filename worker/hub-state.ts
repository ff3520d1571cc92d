/**
 * The hub's upstream state machine. Only `Hub.#setState` moves it, and only along this table.
 *
 *                 first channel                 $open / subscribed
 *     ┌──────┐  ──────────────▶ ┌────────────┐ ─────────────────▶ ┌──────┐
 *     │ idle │                  │ connecting │                    │ open │──┐ channel set changed:
 *     └──────┘ ◀────────────── └────────────┘ ◀──┐               └──────┘◀─┘ a second upstream
 *        ▲      last channel gone   │    ▲       │ timer fires      │         opens beside the first,
 *        │                  failure │    │       │                  │ failure then replaces it
 *        │                          ▼    │       │                  ▼
 *        │                        ┌─────────┐────┘                ┌─────────┐
 *        └─────────────────────── │ backoff │ ◀────────────────── │ backoff │ (same state)
 *                                 └─────────┘                     └─────────┘
 *   paused (issue 6: every tab hidden) is entered from any live state and left to connecting;
 *   closed is terminal (the host shut the hub down).
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
