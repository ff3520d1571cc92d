// Example 07 — a React hook over one shared mux. Copy it into your app (React 18+).
//   const mux = connect({ url: 'https://push.example.com' });   // once, at module level
//   const last = useChannel(mux, 'prices:AAPL');                  // re-renders on each message
import { useEffect, useState } from 'react';

/** The latest message of `channel` (null until the first), subscribed while the component lives. */
export function useChannel(mux, channel) {
  const [message, setMessage] = useState(null);
  useEffect(() => {
    setMessage(null); // a new channel starts empty rather than showing the old one's message
    const sub = mux.subscribe(channel, setMessage);
    return () => sub.unsubscribe(); // StrictMode mounts twice: unsubscribe makes that harmless
  }, [mux, channel]);
  return message;
}

/** The mux state ('connecting' | 'open' | 'paused' | 'closed'), for a status badge. */
export function useMuxState(mux) {
  const [state, setState] = useState(mux.state);
  useEffect(() => mux.on('state', setState), [mux]);
  return state;
}
