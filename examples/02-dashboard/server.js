// Example 02 — the multi-tab dashboard: the demo page the server ships (served at /), fed by
// simulated prices on `prices:<SYMBOL>` and chatting on `chat:lobby`.
//   npm run build && node examples/02-dashboard/server.js   → open http://127.0.0.1:8080/ in 12 tabs
// Every widget subscribes to its own channels; all tabs share ONE connection (see /metrics).
import { createPushServer } from 'tabmux/server';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'NVDA', 'XOM', 'CVX', 'BTC', 'ETH'];
const push = createPushServer({ history: 100 });
const { port } = await push.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
console.log(`open http://127.0.0.1:${port}/ in many tabs; http://127.0.0.1:${port}/metrics shows one connection`);

const prices = new Map(SYMBOLS.map((symbol, i) => [symbol, 50 + 40 * i]));
const timer = setInterval(() => {
  for (const [symbol, price] of prices) {
    const change = (Math.random() - 0.5) * 2; // a random walk, ±1 %
    const next = Math.max(1, price * (1 + change / 100));
    prices.set(symbol, next);
    void push.publish(`prices:${symbol}`, { symbol, price: next, change, at: Date.now() });
  }
}, 1000);

process.on('SIGINT', async () => {
  clearInterval(timer);
  await push.close();
  process.exit(0);
});
