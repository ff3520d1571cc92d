/**
 * Errors the client throws or rejects with. `code` is stable (listed in the README); `message` is
 * for people and may change.
 */
import type { ClientErrorCode } from './hub-protocol/hub-api.js';

export type { ClientErrorCode } from './hub-protocol/hub-api.js';

export class TabmuxError extends Error {
  override readonly name = 'TabmuxError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}
