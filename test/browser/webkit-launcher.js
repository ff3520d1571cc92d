// A @web/test-runner browser launcher for WebKit: WebKitGTK's MiniBrowser under Xvfb, driven by
// @web/test-runner-webdriver through WebKitWebDriver. Both processes start on a free display and
// a free port when the run starts (test/helpers/engines/webkit-driver.js) and end with it; a
// missing binary fails the run (never a skip).
import { webdriverLauncher } from '@web/test-runner-webdriver';
import { MINIBROWSER_CAPABILITIES, startWebKitDriver, startXvfb } from '../helpers/engines/webkit-driver.js';

export function webkitLauncher() {
  let xvfb;
  let driver;
  let launcher;
  const started = () => {
    if (!launcher) throw new Error('WebKit is not started: its launcher was not initialized');
    return launcher;
  };
  return {
    name: 'WebKit',
    type: 'webdriver',
    async initialize(config, testFiles) {
      xvfb = await startXvfb();
      driver = await startWebKitDriver(xvfb.display).catch(async (error) => {
        // The run ends without calling stop() when a launcher fails to start: end Xvfb here.
        await xvfb.close();
        throw error;
      });
      launcher = webdriverLauncher({
        hostname: '127.0.0.1',
        port: driver.port,
        logLevel: 'error',
        // WebKitWebDriver speaks classic WebDriver only: a session asking for BiDi is refused.
        capabilities: { ...MINIBROWSER_CAPABILITIES, 'wdio:enforceWebDriverClassic': true },
      });
      await launcher.initialize(config, testFiles);
    },
    async stop() {
      await launcher?.stop();
      await driver?.close();
      await xvfb?.close();
    },
    startSession: (id, url) => started().startSession(id, url),
    isActive: (id) => !!launcher?.isActive(id),
    getBrowserUrl: (id) => started().getBrowserUrl(id),
    stopSession: (id) => started().stopSession(id),
    startDebugSession: (id, url) => started().startDebugSession(id, url),
  };
}
