/** Everything one `npm run bench` measured, as written to `--json` and rendered to RESULTS.md. */
import type { BatteryResults } from './battery/run-battery.js';
import type { BrowserResults } from './browser/run-browser.js';
import type { PublishResults } from './publish/run-publish.js';
import type { ServerResults } from './server/run-server.js';

export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly date: string;
  readonly machine: string;
  readonly pinned: boolean;
  readonly seconds: number;
  /** 1-minute load average when the run started and ended, and the core count: how shared the machine was. */
  readonly load: { readonly start: number; readonly end: number; readonly cores: number };
  readonly server?: ServerResults;
  readonly publish?: PublishResults;
  readonly browser?: BrowserResults;
  readonly battery?: BatteryResults;
}
