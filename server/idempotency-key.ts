/**
 * The idempotency key of a publish (README, Endpoints): the `Idempotency-Key` header of
 * `POST /publish`, or `idempotencyKey` of a WebSocket `publish` frame. The IETF draft
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/) makes the header a
 * quoted Structured Field string; many APIs send it bare: both are read.
 */

/** Long enough for a UUID, a hash or a composite key; short enough to keep per channel for a while. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Why `key` cannot be an idempotency key, or undefined when it can. */
export function idempotencyKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || !new RegExp(`^[\\x20-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`).test(key)) {
    return `an idempotency key is 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`;
  }
  return undefined;
}

/** The key of an `Idempotency-Key` header, quoted or bare, for idempotencyKeyProblem to check; undefined when absent. */
export function idempotencyKeyOfHeader(header: string | string[] | undefined): unknown {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) return header.length === 1 ? idempotencyKeyOfHeader(header[0]) : null;
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(header.trim());
  return quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : header.trim();
}
