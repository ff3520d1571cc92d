/**
 * The client address the per-IP limits count by (limits.ts): the socket's peer, or — with
 * `trustProxy` — the address the trusted proxies recorded in `X-Forwarded-For`.
 *
 * Each proxy APPENDS the address it received the request from (the de-facto XFF semantics;
 * RFC 7239 §5.2 gives `Forwarded: for=` the same order), so the list reads
 * `client, proxy1, proxy2` and the socket peer is the last proxy. With N trusted hops, the N-th
 * entry from the right is the one written by our outermost trusted proxy: the first hop that is
 * not ours, i.e. the client as far as we can know. Everything to its left came from the client
 * itself and is forgeable — a client sending `X-Forwarded-For: 1.2.3.4` would otherwise choose
 * its own rate-limit bucket. That is also why the header is ignored unless `trustProxy` is set:
 * without a proxy in front, the whole header is the client's to write.
 *
 * Only `X-Forwarded-For` is read: it is what nginx, HAProxy, AWS/GCP load balancers and
 * Cloudflare send; `Forwarded` is rarely set by them and would double the parsing surface.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** One XFF entry as an address, or undefined when it is not one (`unknown`, garbage). */
function addressOf(entry: string): string | undefined {
  const text = entry.trim();
  if (isIP(text)) return text;
  // Some proxies (Azure App Gateway, IIS ARR) add the port: `1.2.3.4:5678`, `[2001:db8::1]:5678`.
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text)?.[1];
  if (v4 !== undefined && isIP(v4)) return v4;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(text)?.[1];
  if (v6 !== undefined && isIP(v6)) return v6;
  return undefined;
}

/**
 * The address to count `req` under. `trustedHops` 0: the socket peer. Otherwise the
 * `trustedHops`-th XFF entry from the right; a shorter list means the request came through
 * fewer proxies than configured, so its leftmost entry (written by our proxy nearest to it) is
 * used. An entry that is not an address — which a trusted proxy never writes — falls back to the
 * socket peer: the request is then counted with every other request of that proxy, never under
 * a name the client chose.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string | undefined {
  const peer = req.socket.remoteAddress;
  if (trustedHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  // Node joins repeated X-Forwarded-For headers with ", " (in order), which is the same list.
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text === undefined || text.trim() === '') return peer;
  const entries = text.split(',');
  const entry = entries[Math.max(0, entries.length - trustedHops)]!;
  return addressOf(entry) ?? peer;
}

/**
 * The key the per-IP limits count under (README, Limits and budgets): an IPv4 address as it is
 * (an IPv4-mapped IPv6 one too), an IPv6 address by its /64. A /64 is the smallest prefix a
 * network hands one subscriber (RFC 6177, RFC 7421), so one host owns 2^64 addresses: counted
 * one by one, a single machine would never meet a per-address limit.
 */
export function limitKey(address: string | undefined): string {
  if (address === undefined) return '?';
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return mapped;
  return `${ipv6Groups(address.split('%')[0]!).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, as lowercase hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}
