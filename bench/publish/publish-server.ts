/**
 * Entry of a publish-rate server process: `node --import tsx publish-server.ts <minimal|tabmux>`.
 * Says `{ port }` over IPC, then answers `cpu` with process.cpuUsage() (µs, user + system).
 *
 * minimal: the least a JSON publish endpoint can do on node:http — read the body, parse it, answer
 * an id. tabmux: `createPushServer` of dist/server as users run it (embedded broker, history on),
 * no subscriber.
 */
import http from 'node:http';
import { importBuiltServer } from '../lib/built-server.js';
import { ONE_ADDRESS_LIMITS } from '../lib/one-address.js';

const kind = process.argv[2];
let port: number;
if (kind === 'minimal') {
  let id = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const text = JSON.stringify({ id: String(++id) });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
} else if (kind === 'tabmux') {
  // The built server (bench/lib/built-server.ts); TABMUX_PUBLISH_SERVER points at another build.
  const { createPushServer, silentLogger } = await importBuiltServer(process.env.TABMUX_PUBLISH_SERVER);
  // Every request comes from 127.0.0.1: lift the per-IP bound, as a deployment behind a proxy must.
  const push = createPushServer({ logger: silentLogger, history: 1000, ...ONE_ADDRESS_LIMITS });
  port = (await push.listen(0, '127.0.0.1')).port;
} else {
  throw new Error(`unknown server ${kind}`);
}
process.on('message', (message: { type: string }) => {
  if (message.type !== 'cpu') return;
  const cpu = process.cpuUsage();
  process.send?.({ type: 'cpu', micros: cpu.user + cpu.system });
});
// The load generator went away: do not linger.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', port });
