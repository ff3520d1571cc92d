/** The engines the cross-engine tests run in, and the one way to start each (types.ts's shape). */
import { launchChromiumEngine } from './chromium.js';
import { launchFirefoxEngine } from './firefox.js';
import type { Engine, EngineName } from './types.js';
import { launchWebKitEngine } from './webkit.js';

export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** Starts `name`; fails (never skips) when its browser is not installed. */
export function launchEngine(name: EngineName): Promise<Engine> {
  switch (name) {
    case 'chromium':
      return launchChromiumEngine();
    case 'firefox':
      return launchFirefoxEngine();
    case 'webkit':
      return launchWebKitEngine();
    default: {
      const never: never = name;
      throw new Error(`unknown engine ${String(never)}`);
    }
  }
}
