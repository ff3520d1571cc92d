/* global self */
// An app's own Service Worker (the coexistence test): it controls its pages and answers their
// fetches itself (network pass-through), as a typical offline-first app would. It knows nothing of
// tabmux, and answers only its own `{ app: 'ping' }` messages.
self.addEventListener('install', (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => event.respondWith(fetch(event.request)));
self.addEventListener('message', (event) => {
  if (event.data && event.data.app === 'ping') event.ports[0]?.postMessage({ app: 'pong', script: 'sw-app.js' });
});
