/**
 * The BUILT push server (dist/server, `npm run build`), as users run it, for the bench servers and
 * the idle-memory test. Not the sources under tsx: those set a name on every closure they make
 * (esbuild's keepNames), which turns each one's properties into a dictionary — ~3 KiB more per
 * idle WebSocket than the build, and time on every request.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as TabmuxServer from '../../server/index.js';

const BUILT = fileURLToPath(new URL('../../dist/server/index.js', import.meta.url));

/** `tabmux/server` from `path` (default: this checkout's dist/server); a missing build says how to make it. */
export async function importBuiltServer(path: string = BUILT): Promise<typeof TabmuxServer> {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  return (await import(path)) as typeof TabmuxServer;
}
