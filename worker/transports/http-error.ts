/** Turns a non-2xx answer of the push server (`{"error":{"code","message"}}`) into a failure. */
import { ERROR_CODES } from '../../src/protocol/errors.js';
import type { ClientErrorCode } from '../../src/hub-protocol/hub-api.js';
import { parseRetryAfter } from '../backoff.js';
import type { UpstreamFailure } from './types.js';

// Statuses where sending the same request again cannot succeed. 401 is not among them: a fresh
// token may fix it. 408/429/5xx are transient by definition (RFC 9110 §15).
const FATAL_STATUSES = new Set([400, 403, 404, 405, 413, 415, 431]);

export async function failureFromResponse(response: Response, now: number): Promise<UpstreamFailure> {
  let code: ClientErrorCode = response.status >= 500 ? 'TABMUX_ERR_UNAVAILABLE' : 'TABMUX_ERR_BAD_REQUEST';
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && (ERROR_CODES as readonly string[]).includes(body.error.code)) {
      code = body.error.code as ClientErrorCode;
    }
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not our server's JSON (a proxy's HTML page, say): keep the status-derived code.
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  return { code, message, status: response.status, fatal: FATAL_STATUSES.has(response.status), ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

/** `Authorization: Bearer <token>` (RFC 6750 §2.1) when there is a token. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function networkFailure(error: unknown): UpstreamFailure {
  return { code: 'TABMUX_ERR_NETWORK', message: error instanceof Error ? error.message : 'network error' };
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
