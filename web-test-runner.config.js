// Browser tests in real Chromium (Debian's /usr/bin/chromium): real SharedWorkers, real ports.
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { pushServerPlugin } from './test/browser/push-server-plugin.js';

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 20_000 } },
  // pushServerPlugin: a real tabmux push server beside the test pages (test/browser/push-server-plugin.js).
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), pushServerPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      },
    }),
  ],
};
