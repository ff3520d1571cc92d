/**
 * A static server holding two deploys of tabmux at once, for the tests of a deploy while tabs
 * are open (the version handshake and the hub handover): the BUILT bundles as the new deploy, and an "old" deploy = the very same files with
 * the TABMUX_VERSION literal replaced by an older version.
 *
 *   /new/<file>   dist/<file> as built (tabmux.js = dist/index.js, tabmux-worker.js = dist/worker.js)
 *   /old/<file>   the same, claiming `oldVersion`
 *   /swap/<file>  either of the two, switched at run time with `swap()` (a deploy at the SAME URL
 *                 while the old SharedWorker instance still runs)
 *   /pages/*      test/e2e/pages
 * Anything else is a 404 (a hub script URL that fails to load). Every answer is `no-store`, so a
 * worker started after a swap fetches the new script.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { assertBuilt } from './browser.js';
import { listenLocal, sendFile } from './local-http.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The names the README tells users to serve the bundles under. */
const ALIASES: Record<string, string> = { 'tabmux.js': 'index.js', 'tabmux-worker.js': 'worker.js' };

export type Deploy = 'new' | 'old';

export interface VersionedStatic {
  readonly url: string;
  /** The version the old deploy claims. */
  readonly oldVersion: string;
  /** What /swap/* serves from now on. */
  swap(deploy: Deploy): void;
  /** Requests served per path (e.g. `/swap/tabmux-worker.js`), whoever asked. */
  readonly hits: Map<string, number>;
  /**
   * Requests per path made to start a worker (`Sec-Fetch-Dest: sharedworker` or `serviceworker`):
   * how many worker instances loaded a script — unlike `hits`, which also counts a page's own
   * `fetch()` of the URL (src/hosts/shared-worker.ts checks a slow hub's script that way).
   */
  readonly workerStarts: Map<string, number>;
  close(): Promise<void>;
}

/** The built file as the old deploy: its TABMUX_VERSION literal (the only one) replaced. */
async function oldBuild(file: string, oldVersion: string): Promise<Buffer> {
  const text = await readFile(file, 'utf8');
  const literal = new RegExp(`(["'\`])${TABMUX_VERSION.replaceAll('.', '\\.')}\\1`, 'g');
  const count = text.match(literal)?.length ?? 0;
  // The client and the hub script carry it; a source map or a lazy chunk may not.
  if (count > 1) throw new Error(`${file} holds the version literal ${count} times: cannot tell which is TABMUX_VERSION`);
  return Buffer.from(text.replace(literal, `$1${oldVersion}$1`));
}

export async function startVersionedStatic(oldVersion = '0.0.1'): Promise<VersionedStatic> {
  assertBuilt();
  let swapped: Deploy = 'old';
  const hits = new Map<string, number>();
  const workerStarts = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (/^(shared|service)worker$/.test(String(req.headers['sec-fetch-dest']))) workerStarts.set(path, (workerStarts.get(path) ?? 0) + 1);
    const match = /^\/(new|old|swap)\/([a-z0-9.-]+)$/.exec(path);
    let file: string | undefined;
    let deploy: Deploy = 'new';
    if (match) {
      deploy = match[1] === 'swap' ? swapped : (match[1] as Deploy);
      file = join(root, 'dist', ALIASES[match[2]!] ?? match[2]!);
    } else if (path.startsWith('/pages/')) {
      const relative = normalize(join('test/e2e', path));
      if (relative.startsWith('test/e2e/pages/')) file = join(root, relative);
    }
    if (!file) return void res.writeHead(404, { 'cache-control': 'no-store' }).end();
    await sendFile(res, file, deploy === 'old' && file.endsWith('.js') ? () => oldBuild(file, oldVersion) : undefined);
  });
  const { url, close } = await listenLocal(server);
  return { url, oldVersion, hits, workerStarts, swap: (deploy) => void (swapped = deploy), close };
}
