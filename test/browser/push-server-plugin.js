// A @web/test-runner plugin that runs a real tabmux push server (the BUILT one, dist/server) for
// the browser tests, next to the dev server. Pages learn its URL from /__tabmux/server and read
// its Prometheus metrics through /__tabmux/metrics (the push server does not send CORS headers
// on /metrics, and should not).
import { existsSync } from 'node:fs';

export function pushServerPlugin() {
  let push;
  let url;
  return {
    name: 'tabmux-push-server',
    async serverStart() {
      const entry = new URL('../../dist/server/index.js', import.meta.url);
      if (!existsSync(entry)) throw new Error('dist/server/index.js is missing: run `npm run build` before the browser tests');
      const { createPushServer, silentLogger } = await import(entry.href);
      // A short `retry:` keeps reconnect tests quick; the hub's jitter still applies.
      push = createPushServer({ logger: silentLogger, retry: 100, closeTimeout: 1000 });
      const { port } = await push.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${port}`;
    },
    async serverStop() {
      await push?.close();
    },
    async serve(context) {
      if (context.path === '/__tabmux/server') return { body: JSON.stringify({ url }), type: 'application/json' };
      if (context.path === '/__tabmux/metrics') return { body: await (await fetch(`${url}/metrics`)).text(), type: 'text/plain' };
      return undefined;
    },
  };
}
