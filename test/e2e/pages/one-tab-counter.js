/* global self */
// Counts the one-tab handler calls of every tab of a browser context (one-tab.html), for the
// one-tab tests: a tab posts { type: 'call', call: { tab, n } } on its port the moment its handler
// has run; any page asks { type: 'calls' } and is answered with every call so far, in arrival order.
//
// Why a SharedWorker and not a BroadcastChannel to an observer page: Chromium sends a
// BroadcastChannel message through the frame's IPC channel, later, so a tab that crashes just
// after its handler ran loses it, while its acknowledgement to the hub (a MessagePort message,
// written at once) has left: the count would miss a call the hub rightly took as handled. A
// message on this worker's port leaves as the acknowledgement does, and before it.
const calls = [];
self.onconnect = (event) => {
  const port = event.ports[0];
  port.onmessage = ({ data }) => {
    if (data?.type === 'call') calls.push(data.call);
    else if (data?.type === 'calls') port.postMessage(calls);
  };
};
