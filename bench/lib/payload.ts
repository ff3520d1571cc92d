/**
 * The benchmark message: a JSON object padded to an exact byte size, carrying its sequence
 * number `n` and the wall-clock time `t` at which it was SCHEDULED to be sent. Latency is taken
 * from `t`, not from the real send time, so a server that stalls cannot hide the stall by sending
 * late (no coordinated omission).
 */
const T_FIELD = Buffer.from('{"t":');

export function payloadJson(size: number, n: number, t: number): string {
  const head = `{"t":${t.toFixed(3)},"n":${n},"p":"`;
  const pad = Math.max(0, size - head.length - 2);
  return `${head}${'x'.repeat(pad)}"}`;
}

/**
 * Finds every `{"t":<number>` in a chunk and calls `onT` with it: a scan instead of JSON.parse,
 * so the load generator spends its core on reading sockets, not on parsing (the same cost for
 * every server under test). Messages never split `{"t":…,` across chunks by more than the field,
 * and a split one is simply not sampled (counting is done separately).
 */
export function scanTimes(chunk: Buffer, onT: (t: number) => void): void {
  let at = chunk.indexOf(T_FIELD);
  while (at !== -1) {
    const start = at + T_FIELD.length;
    const end = chunk.indexOf(44 /* , */, start);
    if (end === -1 || end - start > 20) return;
    const t = Number(chunk.toString('latin1', start, end));
    if (Number.isFinite(t)) onT(t);
    at = chunk.indexOf(T_FIELD, end);
  }
}

/** Counts non-overlapping occurrences of `needle` in `chunk`. */
export function countOf(chunk: Buffer, needle: Buffer): number {
  let count = 0;
  let at = chunk.indexOf(needle);
  while (at !== -1) {
    count++;
    at = chunk.indexOf(needle, at + needle.length);
  }
  return count;
}
