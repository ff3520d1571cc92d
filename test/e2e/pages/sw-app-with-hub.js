/* global self, importScripts */
// An app's own Service Worker with the tabmux hub imported into it (README: "Already have a
// Service Worker?"): one worker for the app's fetches and for the hub. The tab points
// `connect({ worker })` at THIS script; the hub answers only messages carrying a `tabmux` key.
importScripts('/tabmux-worker.js');
self.addEventListener('install', (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => event.respondWith(fetch(event.request)));
self.addEventListener('message', (event) => {
  if (event.data && event.data.app === 'ping') event.ports[0]?.postMessage({ app: 'pong', script: 'sw-app-with-hub.js' });
});
