/**
 * The transports the in-page hub loads on demand (rollup.config.js LAZY_MODULES →
 * dist/tabmux-transports.js): WebSocket and long-poll. A page whose hub runs in the page (the
 * `direct` and `leader` hosts) streams over SSE unless told otherwise, and falls back to long-poll
 * only on a network that breaks streaming: it need not carry either (README, Size). The worker
 * bundles them all (worker/transports/index.ts).
 */
export { openPoll } from './poll.js';
export { openWs } from './ws.js';
