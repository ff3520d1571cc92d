// WebKitGTK's WebDriver server with a display to draw on: Xvfb on a free display (it picks one
// itself: -displayfd) and WebKitWebDriver on a free port. One WebDriver session per
// WebKitWebDriver process, so each isolated context starts its own (startWebKitDriver again,
// sharing the display). Plain JavaScript: web-test-runner.config.js loads it too (webkit-driver.d.ts
// types it for the TypeScript tests). Fails, never skips, when a binary is missing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = process.env.XVFB_PATH ?? '/usr/bin/Xvfb';

/** The W3C capabilities of a MiniBrowser session driven by automation (webkitgtk:browserOptions). */
export const MINIBROWSER_CAPABILITIES = {
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
};

const START_MS = 30_000;

function missing() {
  const want = [
    [XVFB_PATH, 'xvfb'],
    [WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'],
    [MINIBROWSER_PATH, 'webkit2gtk-driver (MiniBrowser comes with libwebkit2gtk-4.1)'],
  ];
  return want.filter(([path]) => !existsSync(path));
}

/** Ends `child` (SIGKILL if it has not exited 5 s after SIGTERM), with its process group. */
async function end(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal); // the group: MiniBrowser and its web processes too
    } catch {
      child.kill(signal);
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Xvfb on a display it chose itself. Resolves with the display (`:N`) and its `close`. */
export async function startXvfb() {
  const absent = missing().filter(([path]) => path === XVFB_PATH);
  if (absent.length) throw new Error(`${XVFB_PATH} not found: install it (apt-get install -y xvfb)`);
  // -displayfd 3: Xvfb picks a free display and writes its number on fd 3 once it accepts clients.
  const child = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const display = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within ${START_MS} ms: ${stderr.slice(-500)}`)), START_MS);
    child.stdio[3].on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}): ${stderr.slice(-500)}`));
    });
  }).catch(async (error) => {
    await end(child);
    throw error;
  });
  return { display, close: () => end(child) };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** WebKitWebDriver on a free port, drawing on `display`. Resolves once it answers /status. */
export async function startWebKitDriver(display) {
  const absent = missing();
  if (absent.length) throw new Error(`${absent.map(([path]) => path).join(', ')} not found: install ${absent.map(([, pkg]) => pkg).join(', ')} (apt-get install -y webkit2gtk-driver xvfb)`);
  const port = await freePort();
  const child = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}): ${stderr.slice(-500)}`);
    const ready = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await end(child);
      throw new Error(`WebKitWebDriver did not answer on port ${port} within ${START_MS} ms: ${stderr.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, close: () => end(child) };
}
