// `tabmux/react` (README, React): hooks over a mux, in their own entry (dist/react.js) so that
// pages without React never load them, and React stays the app's own (an optional peer dependency).
export { useChannel } from './use-channel.js';
export type { UseChannelOptions } from './use-channel.js';
export { useMuxState } from './use-mux-state.js';
