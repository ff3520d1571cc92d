/**
 * The version of this build of tabmux, sent in the tab ↔ hub handshake so that a deploy with a
 * newer hub script takes over from an older one (README, Hosts: deploys). Kept equal to package.json's version by
 * test/unit/protocol.test.ts.
 */
export const TABMUX_VERSION = '0.1.0';

/** Compares dotted numeric versions (a pre-release suffix is ignored): <0, 0 or >0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('-')[0]!.split('.').map((n) => +n || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
