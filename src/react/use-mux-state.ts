/**
 * `useMuxState(mux)`: the connection state for a React component (README, React; the states are
 * README, States), re-rendered on each `state` event.
 */
import { useCallback, useSyncExternalStore } from 'react';
import type { MuxState } from '../hub-protocol/hub-api.js';
import type { Mux } from '../mux-types.js';

/** `'connecting' | 'open' | 'paused' | 'closed'`; `'connecting'` when rendered on a server. */
export function useMuxState<Channels extends object>(mux: Mux<Channels>): MuxState {
  // The same function while the mux is: a new one would make React unsubscribe and subscribe again.
  const subscribe = useCallback((onChange: () => void) => mux.on('state', onChange), [mux]);
  return useSyncExternalStore(subscribe, () => mux.state, serverState);
}

const serverState = (): MuxState => 'connecting';
