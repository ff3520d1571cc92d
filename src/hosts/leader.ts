/**
 * The hub in one elected tab (issue 5): not built yet — never usable, so `auto` skips it.
 */
import { TabmuxError } from '../errors.js';
import type { Host } from './types.js';

export const leaderHost: Host = {
  kind: 'leader',
  canBeUsed: () => false,
  open() {
    throw new TabmuxError('TABMUX_ERR_NO_HOST', 'the leader host is not built yet');
  },
};
