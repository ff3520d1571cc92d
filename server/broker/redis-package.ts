/**
 * ioredis is an optional peer dependency (README, Install): only a deployment that scales out over
 * Redis installs it, so that `npm install tabmux` stays lean. Nothing imports it at the top of a
 * module; the Redis broker loads it when one is created, and a server configured for Redis
 * without it fails at creation, with the command that fixes it, rather than at its first publish.
 */
import type * as Ioredis from 'ioredis';
import { BrokerError } from './errors.js';

export const IOREDIS_MISSING = 'Redis needs the package ioredis (an optional peer dependency of tabmux): npm install ioredis';

/** Throws a BrokerError naming the package when ioredis cannot be found from here. */
export function assertIoredisInstalled(): void {
  // Synchronous since Node 20.6; before it, loadIoredis() reports the same failure a moment later.
  if (typeof import.meta.resolve !== 'function') return;
  try {
    import.meta.resolve('ioredis');
  } catch {
    throw new BrokerError('TABMUX_ERR_NOT_SUPPORTED', IOREDIS_MISSING);
  }
}

export async function loadIoredis(): Promise<typeof Ioredis> {
  try {
    return await import('ioredis');
  } catch (error) {
    throw new BrokerError('TABMUX_ERR_NOT_SUPPORTED', `${IOREDIS_MISSING} (${error instanceof Error ? error.message : String(error)})`);
  }
}
