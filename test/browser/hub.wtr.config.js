// The hub's browser tests: the suite's config plus a real push server (push-server-plugin.js).
//   npx web-test-runner --config test/browser/hub.wtr.config.js
// (Until the root web-test-runner.config.js adds the plugin, `npm run test:browser` cannot run
// the hub-*.test.ts files: they fail, saying the push server is missing.)
import base from '../../web-test-runner.config.js';
import { pushServerPlugin } from './push-server-plugin.js';

export default {
  ...base,
  files: ['test/browser/hub-*.test.ts'],
  plugins: [...base.plugins, pushServerPlugin()],
};
