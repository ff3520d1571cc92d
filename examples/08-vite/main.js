/* global window, document, location, URL, URLSearchParams */
// The hub script must be a file of THIS origin. `?url` makes Vite copy tabmux's prebuilt
// dist/worker.js (one self-contained script) into the build, hashed, and gives its URL.
import workerUrl from 'tabmux/worker?url';
import { connect } from 'tabmux';

// The push server: ?server=… (the tests start one on a free port), else the CLI's default.
const server = new URLSearchParams(location.search).get('server') ?? 'http://127.0.0.1:8080';
const mux = connect({ url: server, worker: workerUrl });
mux.on('state', (state) => (document.querySelector('#state').textContent = state));

window.received = [];
const sub = mux.subscribe('bundled', (message) => {
  window.received.push(message.data);
  document.querySelector('#log').insertAdjacentHTML('beforeend', `<li>${JSON.stringify(message.data)}</li>`);
});
// For the test harness: resolves once the upstream carries the channel.
window.tabReady = sub.ready;
window.mux = mux;
