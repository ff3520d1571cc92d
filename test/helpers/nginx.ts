/**
 * Debian's nginx in front of tabmux nodes, for the deployment test: examples/deploy/nginx.conf
 * itself, with only its addresses, certificate and log paths swapped for a loopback port, a
 * throwaway self-signed certificate and a temp directory; plus /pages/ served from a copy of
 * test/e2e/pages so a test page shares the origin of the hub script. Missing nginx is a failure, never a skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCert } from './self-signed-cert.js';
import { waitFor } from './wait.js';
import { freePort } from './free-port.js';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const EXAMPLE = fileURLToPath(new URL('../../examples/deploy/nginx.conf', import.meta.url));
const PAGES = fileURLToPath(new URL('../e2e/pages/', import.meta.url));


export interface Nginx {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The access log so far (examples/deploy's `tabmux` format, with $server_protocol). */
  accessLog(): string;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPorts: readonly number[]): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: install it (apt-get install -y nginx)`);
  const dir = mkdtempSync(join(tmpdir(), 'tabmux-nginx-'));
  // The pages are served by nginx's workers, which run as another user (`nobody`) when nginx is
  // started as root, as in CI: a copy they can reach, not the checkout, which may sit in a 0700
  // directory (CI clones into `mktemp -d`), where every page was a 403. The key stays 0600.
  chmodSync(dir, 0o711);
  const pages = join(dir, 'pages');
  cpSync(PAGES, pages, { recursive: true });
  const cert = selfSignedCert();
  writeFileSync(join(dir, 'cert.pem'), cert.cert);
  writeFileSync(join(dir, 'key.pem'), cert.key, { mode: 0o600 });
  const port = await freePort();
  let site = readFileSync(EXAMPLE, 'utf8');
  const swap = (from: RegExp, to: string): void => {
    if (!from.test(site)) throw new Error(`examples/deploy/nginx.conf no longer has ${from}`);
    site = site.replace(from, to);
  };
  // Only the addresses: the example's server parameters (max_fails=0) are part of what is proven.
  swap(/server 127\.0\.0\.1:8081 /, `server 127.0.0.1:${upstreamPorts[0]} `);
  swap(/server 127\.0\.0\.1:8082 /, `server 127.0.0.1:${upstreamPorts[1]} `);
  swap(/listen 443 ssl http2;/, `listen 127.0.0.1:${port} ssl http2;`);
  swap(/^\s*listen \[::\]:443 ssl http2;$/m, '');
  swap(/\/etc\/ssl\/certs\/realtime\.example\.com\.pem/, join(dir, 'cert.pem'));
  swap(/\/etc\/ssl\/private\/realtime\.example\.com\.key/, join(dir, 'key.pem'));
  swap(/\/var\/log\/nginx\/tabmux\.access\.log/, join(dir, 'access.log'));
  swap(/^(\s*)location \/ \{/m, `$1location /pages/ { alias ${pages}/; }\n$1location / {`);
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;\nworker_processes 1;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\nevents { worker_connections 1024; }\n` +
      `http {\n  types { text/html html; text/javascript js; }\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  include ${join(dir, 'site.conf')};\n}\n`,
  );
  const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the config: ${check.stderr}`);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    () => `nginx to accept connections on ${port} (${stderr})`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    10_000,
  );
  return {
    url: `https://127.0.0.1:${port}`,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    async stop() {
      // SIGQUIT would wait for the open streams; the test is over.
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
