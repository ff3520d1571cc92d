/**
 * Modules the client imports on demand, each built on its own, self-contained, to dist/<out> next
 * to dist/index.js (rollup.config.js), served next to /tabmux.js (server/static-files.ts) and
 * budgeted (the size-budget test). The hub's own module (the in-page hub) lives in worker/, and the
 * page imports it by its built name, `import('./tabmux-in-page-hub.js')`; the client's own lazy
 * modules are imported by their source path. Both builds (rollup, and web-test-runner serving the
 * sources) map either form to the file below.
 */
import { dirname, resolve } from 'node:path';

export const LAZY_MODULES = [
  { source: 'worker/runtimes/in-page.ts', out: 'tabmux-in-page-hub.js' },
  { source: 'worker/transports/on-demand.ts', out: 'tabmux-transports.js' },
  { source: 'src/hosts/leader/open.ts', out: 'tabmux-leader.js' },
  { source: 'src/hosts/service-worker/link.ts', out: 'tabmux-service-worker.js' },
  { source: 'src/event-source/engine.ts', out: 'tabmux-event-source.js' },
  // Imported by the in-page hub when it starts as `direct`: what only that host needs.
  { source: 'worker/runtimes/direct.ts', out: 'tabmux-direct-hub.js' },
  // Imported by tabmux-direct-hub.js on a page's first one-tab subscription.
  { source: 'worker/runtimes/one-tab-peers.ts', out: 'tabmux-one-tab-peers.js' },
];

/** The lazy module that `import(specifier)` in the source file `importer` means, or undefined. */
export function lazyModuleOf(specifier, importer) {
  if (typeof specifier !== 'string' || !specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = importer && resolve(dirname(importer), specifier.replace(/\.js$/, '.ts'));
  return LAZY_MODULES.find(({ source, out }) => specifier === `./${out}` || target === resolve(source));
}
