/* global self */
// The SharedWorker of depth.html: each port asks one thing and gets one answer.
//   {op: 'echo', depth, value}        → the value as it arrived, posted back
//   {op: 'parse', kind, depth}        → JSON.parse of a text that deep: {ok} (nothing posted back)
//   {op: 'parse-post', kind, depth}   → JSON.parse, then the parsed value posted back (the hub's path)
// A failure in the worker answers {op: 'failed', step, error}; a question that arrives as null
// (Chromium could not deserialize it) answers that. The page closes the worker after.
import { NULL_ARRIVED, checked, described, nestedJson } from './depth.js';

self.onconnect = (event) => {
  const port = event.ports[0];
  const fail = (step, error) => port.postMessage({ op: 'failed', step, error: described(error) });
  port.onmessageerror = () => fail('worker-receive', { name: 'messageerror', message: 'the worker could not deserialize the value' });
  port.onmessage = ({ data }) => {
    // The whole question may arrive as null: the value in it could not be deserialized.
    if (data === null) return fail('worker-receive', NULL_ARRIVED);
    if (data.op === 'close') {
      self.close();
      return;
    }
    if (data.op === 'echo') {
      const arrived = checked(data.value, data.depth, 'worker-receive');
      if (!arrived.ok) return port.postMessage({ op: 'failed', ...arrived });
      try {
        port.postMessage({ op: 'value', value: data.value });
      } catch (error) {
        fail('worker-send', error);
      }
      return;
    }
    let value;
    try {
      value = JSON.parse(nestedJson(data.kind, data.depth));
    } catch (error) {
      return fail('worker-parse', error);
    }
    const parsed = checked(value, data.depth, 'worker-parse');
    if (!parsed.ok || data.op === 'parse') return port.postMessage(parsed.ok ? { op: 'ok' } : { op: 'failed', ...parsed });
    try {
      port.postMessage({ op: 'value', value });
    } catch (error) {
      fail('worker-send', error);
    }
  };
};
