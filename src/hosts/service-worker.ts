/**
 * The hub in a Service Worker (issue 5): not built yet — never usable, so `auto` skips it.
 */
import { TabmuxError } from '../errors.js';
import type { Host } from './types.js';

export const serviceWorkerHost: Host = {
  kind: 'service-worker',
  canBeUsed: () => false,
  open() {
    throw new TabmuxError('TABMUX_ERR_NO_HOST', 'the service-worker host is not built yet');
  },
};
