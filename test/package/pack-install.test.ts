/**
 * The package as a new user gets it (README, Install): `npm pack`, then `npm install` of the
 * tarball into an empty project. Checks what the user then has: the LICENSE, at most three other
 * packages (ioredis, react and comlink are not among them), type tests that compile against the
 * installed `.d.ts` in a strict project with the DOM lib, and `tabmux-server --redis`, which
 * without ioredis says what to install and with it serves /health from a real redis-server.
 *
 * It packs the build of this test run (`--ignore-scripts`: the `prepack` build is what `npm test`
 * did first; running it here would rebuild dist/ under the other tests). Installs prefer npm's
 * cache (`--prefer-offline`) and fall back to the registry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startRedisServer } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
/** The bound: a browser app must not pull the server's optional pieces. */
const MAX_OTHER_PACKAGES = 3;
const NPM_MS = 180_000;

let work: string;
let project: string;
let tarball: string;
let packed: string[];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a user's shell: npm's own variables of the `npm test` that runs this would
 * point the child npm at this repository (its prefix, its package), so they are left out.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) delete env[key];
  }
  return env;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Run> {
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, timeoutMs, `${command} ${args.join(' ')}`).finally(() => child.kill('SIGKILL'));
}

async function npm(args: readonly string[], cwd: string): Promise<Run> {
  const result = await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], cwd, NPM_MS);
  assert.equal(result.code, 0, `npm ${args.join(' ')} failed:\n${result.stderr}`);
  return result;
}

before(async () => {
  for (const file of ['dist/index.js', 'dist/worker.js', 'dist/react.js', 'dist/server/cli.js', 'dist/types/src/index.d.ts']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  work = mkdtempSync(join(tmpdir(), 'tabmux-pack-'));
  const [info] = JSON.parse((await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)).stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, info.filename);
  packed = info.files.map((file) => file.path);
  project = join(work, 'app');
  cpSync(join(root, 'test/types'), join(project, 'types'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tabmux-user', version: '1.0.0', private: true, type: 'module' }, null, 2));
  await npm(['install', tarball], project);
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the package holds LICENSE, README, CHANGELOG and the built files; no sources, no tests', () => {
  for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/react.js', 'dist/worker.js', 'dist/server/cli.js', 'dist/types/src/react/index.d.ts']) {
    assert.ok(packed.includes(file), `${file} is packed`);
  }
  assert.deepEqual(packed.filter((file) => !file.startsWith('dist/') && !['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(file)), [], 'nothing outside dist/ but the four documents');
  assert.deepEqual(packed.filter((file) => file.startsWith('dist/types/worker/') || file.endsWith('.tsbuildinfo')), [], 'no hub-internal types, no build state');
  const installed = join(project, 'node_modules/tabmux');
  assert.match(readFileSync(join(installed, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the tabmux authors/);
  assert.equal((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version, pkg.version);
});

test(`npm install tabmux adds at most ${MAX_OTHER_PACKAGES} other packages, none of the optional ones`, (t) => {
  const lock = JSON.parse(readFileSync(join(project, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const others = Object.keys(lock.packages)
    .filter((path) => path.startsWith('node_modules/') && path !== 'node_modules/tabmux')
    .map((path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  t.diagnostic(`installed besides tabmux: ${others.join(', ')}`);
  assert.ok(others.length <= MAX_OTHER_PACKAGES, `${others.length} packages besides tabmux: ${others.join(', ')}`);
  for (const optional of ['ioredis', 'react', 'comlink']) assert.ok(!others.includes(optional), `${optional} is not installed`);
  assert.deepEqual(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.')).sort(), ['tabmux', ...others].sort());
});

for (const resolution of ['Bundler', 'NodeNext'] as const) {
  test(`the type tests compile against the installed package (strict, lib dom, moduleResolution ${resolution})`, async () => {
    // A user's strict project; Node's types from this repository (server.ts mounts on node:http).
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: resolution === 'Bundler' ? 'ESNext' : 'NodeNext',
        moduleResolution: resolution,
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      },
      include: ['types/*.ts'],
    };
    const file = join(project, `tsconfig.${resolution}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', file], project, 120_000);
    assert.equal(result.code, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
  });
}

test('tabmux-server --redis without ioredis names the package to install and exits non-zero, without a stack', async () => {
  const result = await run(join(project, 'node_modules/.bin/tabmux-server'), ['--port', '0', '--redis', `redis://127.0.0.1:${await freePort()}`], project, 30_000);
  assert.notEqual(result.code, 0, 'a failure exit');
  assert.match(result.stderr, /npm install ioredis/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(result.stdout, /listening/, 'it did not start');
});

test('with ioredis installed, tabmux-server --redis serves /health 200 against a real redis-server', async () => {
  await npm(['install', `ioredis@${pkg.devDependencies.ioredis}`], project);
  const redis = await startRedisServer();
  const server = spawn(join(project, 'node_modules/.bin/tabmux-server'), ['--port', '0', '--redis', redis.url], { cwd: project, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += String(chunk)));
  server.stderr.on('data', (chunk: Buffer) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  try {
    const url = await waitFor('tabmux-server to listen', () => /listening on (http:\/\/\S+?)\/?\n/.exec(output)?.[1], 20_000);
    const health = await waitFor('/health to answer 200 (the broker connected to Redis)', async () => {
      const answer = await fetch(`${url}/health`);
      return answer.status === 200 ? ((await answer.json()) as unknown) : undefined;
    }, 20_000);
    assert.deepEqual(health, { status: 'ok' });
    server.kill('SIGINT');
    assert.equal(await withTimeout(exited, 10_000, 'tabmux-server to exit on SIGINT'), 0, `clean exit; output:\n${output}`);
  } finally {
    server.kill('SIGKILL');
    await redis.dispose();
  }
});
