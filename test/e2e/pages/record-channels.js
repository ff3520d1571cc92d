/* global window */
// What auto-tab.html and sw-tab.html record for the tests to read: the mux as window.mux, every
// error event as `code: message` in window.errors, and per channel the `n` of every message in
// window.received[channel]. The page sets window.errors and window.received first. Resolves once
// every channel is subscribed.
export function recordChannels(mux, channels) {
  window.mux = mux;
  mux.on('error', (error) => window.errors.push(`${error.code}: ${error.message}`));
  const subscriptions = channels.map((channel) => {
    window.received[channel] = [];
    return mux.subscribe(channel, (message) => window.received[channel].push(message.data.n));
  });
  return Promise.all(subscriptions.map((sub) => sub.ready));
}
