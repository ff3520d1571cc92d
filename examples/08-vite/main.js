import { connect } from 'tabmux';

// The hub script must be a file of THIS origin. Vite resolves the package specifier inside
// `new URL(…, import.meta.url)` through tabmux's `exports` (`./worker`), copies the prebuilt
// dist/worker.js (one self-contained script) into the build, hashed, and rewrites the URL.
// (`import workerUrl from 'tabmux/worker?url'` does the same, the Vite-only way.)
const workerUrl = new URL('tabmux/worker', import.meta.url).href;

// The push server: ?server=… (the tests start one on a free port), else the CLI's default.
const server = new URLSearchParams(location.search).get('server') ?? 'http://127.0.0.1:8080';
const mux = connect({ url: server, worker: workerUrl });
mux.on('state', (state) => (document.querySelector('#state').textContent = state));

window.received = [];
const sub = mux.subscribe('ticks', (message) => {
  window.received.push(message.data);
  const item = document.createElement('li');
  item.textContent = JSON.stringify(message.data); // textContent: published data is text, never HTML
  document.querySelector('#log').append(item);
});
// For the test harness: resolves once the upstream carries the channel.
window.tabReady = sub.ready;
window.mux = mux;
