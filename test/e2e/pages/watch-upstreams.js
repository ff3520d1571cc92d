/* global window, location */
// Records in window.upstreams every upstream request this PAGE makes itself (an SSE fetch, a
// long-poll fetch, a WebSocket to the push server): only a leader's in-page hub does, so the
// leader is the page whose list grows. No hook in tabmux, nothing a browser's protocol must
// expose: the same in every engine. Imported before the client.
window.upstreams = [];
const isUpstream = (url) => /\/(sse|poll|ws)(\?|$)/.test(new URL(url, location.href).pathname + '?');
const pageFetch = window.fetch;
window.fetch = function (input, init) {
  const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
  if (isUpstream(url)) window.upstreams.push(url);
  return pageFetch.call(this, input, init);
};
const PageWebSocket = window.WebSocket;
window.WebSocket = class extends PageWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    if (isUpstream(url)) window.upstreams.push(String(url));
  }
};
