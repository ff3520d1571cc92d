/**
 * What a broker throws (broker.ts says which method throws what). A broker knows nothing of HTTP
 * or WebSocket frames: it names what went wrong with a code of the wire's error catalog
 * (src/protocol/errors.ts), and the server decides how each transport answers it (server/errors.ts
 * `fromBrokerError`: a status, a `Retry-After`).
 */
import type { ErrorCode } from '../../src/protocol/errors.js';

/** The codes a broker may throw; anything else it throws is a bug (answered 500, logged). */
export type BrokerErrorCode = Extract<
  ErrorCode,
  /** The store cannot be reached, or the broker is closed: the same call may succeed later. */
  | 'TABMUX_ERR_UNAVAILABLE'
  /** An option the broker was created with is invalid: a configuration mistake, thrown at once. */
  | 'TABMUX_ERR_BAD_REQUEST'
  /** A package the broker needs is not installed (the Redis broker without ioredis), thrown at once. */
  | 'TABMUX_ERR_NOT_SUPPORTED'
>;

export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    /** Safe to show to a client: no address, no stack. */
    message: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** The store is unreachable (or the broker is closed); `message` says which, without an address. */
export const brokerUnavailable = (message: string): BrokerError => new BrokerError('TABMUX_ERR_UNAVAILABLE', message);

export function isBrokerUnavailable(error: unknown): error is BrokerError {
  return error instanceof BrokerError && error.code === 'TABMUX_ERR_UNAVAILABLE';
}
