/**
 * Loading a module the client imports on demand (rollup.config.js LAZY_MODULES: built on its own
 * next to dist/index.js, served next to /tabmux.js). Loaded once; a failed load is not kept, so a
 * later `connect()` tries again, and it is reported as TABMUX_ERR_NO_HOST naming the file to serve
 * — the usual cause is a deployment that copied the client module alone.
 */
import { TabmuxError } from '../errors.js';

/** `load` must be `() => import('./literal.js')`: rollup finds the module by that literal. */
export function lazyModule<T>(file: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw new TabmuxError('TABMUX_ERR_NO_HOST', `${file} did not load (serve it next to tabmux.js): ${String(error)}`);
    }));
}
