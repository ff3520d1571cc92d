// The floor under the hub's hop: a bare SharedWorker that reads the same SSE stream with fetch and
// posts each event's `n` to the page at once — no parser, no hub, no client. What the hub adds is
// its hop minus this one (bench/browser/measure-hop.ts).
self.onconnect = (event) => {
  const port = event.ports[0];
  port.onmessage = async ({ data: url }) => {
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' } });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const n = /"n":(\d+)/.exec(block);
        if (n) port.postMessage({ n: Number(n[1]) });
        else if (block.includes('event: $open')) port.postMessage({ open: true }); // subscribed
      }
    }
  };
};
