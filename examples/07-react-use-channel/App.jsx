// Example 07 — tabmux/react's hooks in a React app built by Vite (JSX needs no plugin in Vite 8).
//   npx vite examples/07-react-use-channel   (push server: npx tabmux-server, or ?server=…)
import { connect } from 'tabmux';
import { useChannel, useMuxState } from 'tabmux/react';

// One mux per app, not per component: every component (and every tab) shares one connection.
const server = new URLSearchParams(location.search).get('server') ?? 'http://127.0.0.1:8080';
const mux = connect({ url: server, worker: new URL('tabmux/worker', import.meta.url).href });
window.mux = mux; // for the curious (and the tests): await mux.debug()

const SYMBOLS = ['AAPL', 'MSFT', 'BTC'];

function Price({ symbol }) {
  // The latest message of the channel, null before the first; React escapes what it renders.
  const message = useChannel(mux, `prices:${symbol}`);
  return (
    <tr data-symbol={symbol}>
      <td>{symbol}</td>
      <td className="price">{message ? message.data.price.toFixed(2) : '…'}</td>
    </tr>
  );
}

export function App() {
  const state = useMuxState(mux);
  return (
    <main>
      <p>
        Connection: <output id="state">{state}</output>
      </p>
      <table>
        <tbody>
          {SYMBOLS.map((symbol) => (
            <Price key={symbol} symbol={symbol} />
          ))}
        </tbody>
      </table>
    </main>
  );
}
