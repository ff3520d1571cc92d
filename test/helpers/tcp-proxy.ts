/**
 * A loopback TCP proxy for fault injection: it forwards to a target that can be switched at any
 * time (node A → node B), can cut every open connection at once, as a network drop would, or go
 * silent on them, as a mobile network that drops a connection without a FIN or RST does.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (every upstream the clients opened through the proxy). */
  readonly accepted: number;
  /** Open client connections now. */
  readonly open: number;
  setTarget(port: number, host?: string): void;
  /** Destroys every open connection (both sides), like a dropped network. */
  cutAll(): void;
  /**
   * Stops forwarding on every open connection without closing anything (no FIN, no RST).
   * Connections opened afterwards forward normally.
   */
  stall(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let target = { port: targetPort, host: targetHost };
  let accepted = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const cutAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    setTarget(port, host = '127.0.0.1') {
      target = { port, host };
    },
    cutAll,
    stall() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        // Keep reading and drop what arrives: the sockets stay open and nothing is forwarded.
        client.on('data', () => undefined);
        upstream.on('data', () => undefined);
      }
    },
    close() {
      cutAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
