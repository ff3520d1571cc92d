// Browser tests in real Chromium, Firefox and WebKit (README, "Browser support"): real
// SharedWorkers, real ports. Chromium is Debian's /usr/bin/chromium; Firefox is Debian's Firefox
// ESR, launched by puppeteer-core over WebDriver BiDi (the same launcher, another browser);
// WebKit is WebKitGTK's MiniBrowser under Xvfb over WebDriver (test/browser/webkit-launcher.js).
import puppeteer from 'puppeteer-core';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { pushServerPlugin } from './test/browser/push-server-plugin.js';
import { reactPlugin } from './test/browser/react-plugin.js';
import { webkitLauncher } from './test/browser/webkit-launcher.js';
import { LAZY_MODULES } from './lazy-modules.js';

/**
 * The page imports the hub's own lazy module by its built name (`./tabmux-in-page-hub.js`, see
 * lazy-modules.js); served from the sources, that name leads to the module's source instead.
 */
const lazyModulesPlugin = {
  name: 'lazy-modules',
  resolveImport({ source }) {
    const lazy = LAZY_MODULES.find(({ out }) => source === `./${out}`);
    return lazy && `/${lazy.source}`;
  },
};

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // One browser at a time (the default runs two at once): every browser's tests use the one push
  // server of pushServerPlugin, its channel names and its metrics (`tabmux_connections` == 1 with
  // three tabs), so a second browser's tabs counted as a second upstream and got its messages.
  concurrentBrowsers: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 20_000 } },
  // pushServerPlugin: a real tabmux push server beside the test pages (test/browser/push-server-plugin.js);
  // reactPlugin: React as ES modules for the hooks' tests (test/browser/react-plugin.js).
  plugins: [lazyModulesPlugin, reactPlugin(), esbuildPlugin({ ts: true, target: 'es2022' }), pushServerPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      },
    }),
    chromeLauncher({
      puppeteer,
      launchOptions: { browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true },
    }),
    webkitLauncher(),
  ],
};
