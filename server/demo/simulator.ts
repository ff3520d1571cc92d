/**
 * Simulated stock prices for the demo page: a random walk per symbol, published on
 * `prices:<SYMBOL>` every `intervalMs`. Wired into the CLI so that `npm start` shows a live
 * dashboard without any market data feed.
 */
export interface PricePublisher {
  publish(channel: string, data: unknown): Promise<{ id: string }>;
}

export interface PriceSimulatorOptions {
  readonly symbols?: readonly string[];
  /** Time between two ticks of one symbol. */
  readonly intervalMs?: number;
  readonly random?: () => number;
}

export interface PriceTick {
  readonly symbol: string;
  readonly price: number;
  /** Change since the previous tick, in percent. */
  readonly change: number;
  readonly at: number;
}

export const DEMO_SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'NVDA', 'XOM', 'CVX', 'BTC', 'ETH'] as const;

/** Starts ticking; returns a function that stops it. */
export function startPriceSimulator(push: PricePublisher, { symbols = DEMO_SYMBOLS, intervalMs = 1000, random = Math.random }: PriceSimulatorOptions = {}): () => void {
  const prices = new Map(symbols.map((symbol, i) => [symbol, 50 + 40 * i + Math.round(random() * 100)]));
  const timers = symbols.map((symbol, i) =>
    // Staggered so the ticks of the symbols do not all land in the same millisecond.
    setTimeout(function tick() {
      const previous = prices.get(symbol)!;
      // ±1% per tick, slightly mean-reverting so a demo left open for hours stays readable.
      const price = Math.max(1, Number((previous * (1 + (random() - 0.5) / 50)).toFixed(2)));
      prices.set(symbol, price);
      const data: PriceTick = { symbol, price, change: Number((((price - previous) / previous) * 100).toFixed(3)), at: Date.now() };
      push.publish(`prices:${symbol}`, data).catch(() => undefined); // a full broker only skips one tick
      timers[i] = setTimeout(tick, intervalMs);
    }, (intervalMs * i) / symbols.length),
  );
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
