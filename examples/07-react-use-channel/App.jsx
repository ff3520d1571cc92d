// Example 07 — using the hook. Build with Vite + @vitejs/plugin-react (not installed in this repo).
import { connect } from 'tabmux';
import { useChannel, useMuxState } from './use-channel.js';

// One mux per app, not per component: every component (and every tab) shares one connection.
const mux = connect({ url: 'http://127.0.0.1:8080', worker: new URL('tabmux/worker', import.meta.url).href });

function Price({ symbol }) {
  const message = useChannel(mux, `prices:${symbol}`);
  return (
    <tr>
      <td>{symbol}</td>
      <td>{message ? message.data.price.toFixed(2) : '…'}</td>
    </tr>
  );
}

export function App() {
  const state = useMuxState(mux);
  return (
    <main>
      <p>Connection: {state}</p>
      <table>
        <tbody>
          {['AAPL', 'MSFT', 'BTC'].map((symbol) => (
            <Price key={symbol} symbol={symbol} />
          ))}
        </tbody>
      </table>
    </main>
  );
}
