/**
 * A loopback port free right now, for a child process that must be told its port (an example, a
 * redis-server, tabmux-server) rather than listen on 0 itself. Another process may take it before
 * the child binds: callers start the child at once, and a failed start names the port.
 */
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
