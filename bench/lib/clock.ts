/**
 * One wall clock shared by processes on this machine: `performance.timeOrigin + now()` in ms with
 * sub-ms resolution. Each process fixes its timeOrigin at start, so two processes can disagree by
 * a little; `estimateOffset` measures that (NTP-style, the sample with the smallest round trip).
 */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves with the remote clock minus ours, in ms. `ask` returns the remote wallMs(). */
export async function estimateOffset(ask: () => Promise<number>, rounds = 20): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < rounds; i++) {
    const sent = wallMs();
    const remote = await ask();
    const back = wallMs();
    const rtt = back - sent;
    if (rtt < best.rtt) best = { rtt, offset: remote - (sent + back) / 2 };
  }
  return best.offset;
}
