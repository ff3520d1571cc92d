/** Everything one `npm run bench` measured, as written to `--json` and rendered to RESULTS.md. */
import type { BatteryResults } from './battery/run-battery.js';
import type { BrowserResults } from './browser/run-browser.js';
import type { ServerResults } from './server/run-server.js';

export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly date: string;
  readonly machine: string;
  readonly pinned: boolean;
  readonly seconds: number;
  readonly server?: ServerResults;
  readonly browser?: BrowserResults;
  readonly battery?: BatteryResults;
}
