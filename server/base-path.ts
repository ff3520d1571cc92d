/**
 * `basePath`: every endpoint under one prefix, for apps that mount the server without a router
 * that strips it (a bare http.Server, and upgrades, which no framework router sees).
 */

/** The endpoint path under `basePath` ('' or '/prefix'), or undefined when not under it. */
export function stripBasePath(path: string, basePath: string): string | undefined {
  if (basePath === '') return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}
