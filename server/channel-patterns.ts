/**
 * The channel patterns of the `tabmux` JWT claim (README, Auth and limits): a pattern is a channel
 * name, or a prefix followed by `*`, which matches any rest of the name (`chat:*` matches
 * `chat:lobby` and `chat:` itself; `*` alone matches every channel). `*` anywhere else is taken
 * literally, and since channel names cannot contain `*`, such a pattern matches nothing.
 */
export type ChannelPatterns = readonly string[];

export function matchesAny(patterns: ChannelPatterns, channel: string): boolean {
  for (const pattern of patterns) {
    if (pattern.endsWith('*') ? channel.startsWith(pattern.slice(0, -1)) : channel === pattern) return true;
  }
  return false;
}

/** A claim's pattern list, or undefined when it is not an array of strings (the token is refused). */
export function parsePatterns(value: unknown): ChannelPatterns | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 1000 || !value.every((p) => typeof p === 'string' && p.length <= 201)) return undefined;
  return value as string[];
}
