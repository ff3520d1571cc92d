/* global self, importScripts */
// A hub script for test/e2e/hub-lost-connect.test.ts: the real hub (/tabmux-worker.js, the built
// dist/worker.js) whose FIRST connect is lost or late, by the query of this script's URL:
//   ?first=drop  never served: what Chromium does with a connect that reaches an instance as it
//                closes (a hub retiring for a deploy) — no connect event, no error, nothing
//   ?first=late  served 1500 ms late: a slow start, so the tab's repeated hello is answered first
// Every later connect is served at once.
importScripts('/tabmux-worker.js');
const serve = self.onconnect;
const first = new URL(self.location.href).searchParams.get('first');
// What happened to each connect, for the test to see (`served`, `dropped`, `late`, `late-served`).
const report = new BroadcastChannel('lost-connect-worker');
let connects = 0;
self.onconnect = (event) => {
  connects += 1;
  if (connects > 1 || first === 'none') {
    report.postMessage('served');
    return serve(event);
  }
  report.postMessage(first === 'late' ? 'late' : 'dropped');
  if (first === 'late') {
    setTimeout(() => {
      serve(event);
      report.postMessage('late-served');
    }, 1500);
  }
};
