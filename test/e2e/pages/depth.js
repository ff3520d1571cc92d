// Shared by depth.html and depth-worker.js: nested values and JSON texts of a given depth, built
// and measured without recursion (so only the engine under test recurses).

/** `kind` 'array': [[[0]]]; 'object': {"a":{"a":{"a":0}}}, `depth` levels. */
export function nested(kind, depth) {
  let value = 0;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** The JSON text of `nested(kind, depth)`. */
export function nestedJson(kind, depth) {
  return kind === 'array' ? '['.repeat(depth) + '0' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
}

/** How deep a value from `nested` is. */
export function depthOf(value) {
  let depth = 0;
  while (typeof value === 'object' && value !== null) {
    value = Array.isArray(value) ? value[0] : value.a;
    depth++;
  }
  return depth;
}

/** An error as plain data: its name and the start of its message. */
export function described(error) {
  if (error === null || typeof error !== 'object') return { name: typeof error, message: String(error).slice(0, 160) };
  return { name: String(error.name ?? error.constructor?.name ?? 'Error'), message: String(error.message ?? error).slice(0, 160) };
}

/** What a receiver reports when a message arrived as `null`: Chromium's answer to a value it could not deserialize. */
export const NULL_ARRIVED = { name: 'NullArrived', message: 'the message arrived as null (no messageerror)' };

/** `{ ok: true }` when `value` is a nested value of `depth` levels, else why not. */
export function checked(value, depth, step) {
  if (value === null) return { ok: false, step, error: NULL_ARRIVED };
  const got = depthOf(value);
  return got === depth ? { ok: true } : { ok: false, step, error: { name: 'WrongDepth', message: `${got} levels arrived, ${depth} sent` } };
}
