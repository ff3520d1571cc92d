/** Builds `/sse` and `/poll` URLs: repeated `channel`, and a `lastEventId.<channel>` per cursor (wire.ts). */
import { QUERY_CHANNEL, QUERY_CHANNEL_CURSOR_PREFIX } from '../../src/protocol/wire.js';

export function streamUrl(base: string, path: string, channels: ReadonlyMap<string, string | undefined>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [channel, cursor] of channels) {
    params.append(QUERY_CHANNEL, channel);
    if (cursor !== undefined) params.append(QUERY_CHANNEL_CURSOR_PREFIX + channel, cursor);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `${base}${path}?${params}`;
}
