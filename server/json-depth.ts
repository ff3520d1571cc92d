/**
 * How deeply a JSON text nests, read without recursion (so a hostile value cannot overflow the
 * stack here either). Every published value is checked against MAX_JSON_DEPTH (README, Limits
 * and budgets): each tab parses it and hands it on through postMessage's structured clone, and
 * both recurse per level in browser engines.
 */

/**
 * 64 levels: real messages nest a handful of levels; a value far deeper is an attack or a bug.
 * Kept well below the depth at which a browser's structured clone breaks, so that a value this
 * server accepts never breaks a tab: 1,056 levels at the shallowest (Chromium 156, a worker
 * re-posting nested arrays), 1,863 on the hub's own path, 40,001 in WebKit, none found in
 * Firefox (test/engines/postmessage-depth.test.ts; README, Limits and budgets).
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in `json` (a valid JSON text); 0 for a scalar. */
export function jsonDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * True when `json` nests at most `max` levels. Nesting `max + 1` levels takes at least that many
 * `[` and `{`: a text with fewer of them (most messages) is counted by indexOf, at the speed of a
 * memchr, and only a text with more is scanned character by character.
 */
export function withinDepth(json: string, max: number): boolean {
  let openers = 0;
  for (const bracket of ['{', '[']) {
    for (let at = json.indexOf(bracket); at !== -1; at = json.indexOf(bracket, at + 1)) {
      if (++openers > max) return jsonDepth(json) <= max;
    }
  }
  return true;
}
