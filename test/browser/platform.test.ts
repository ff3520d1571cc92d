// The hub relies on these platform features being real in each browser the suite runs
// (Chromium, Firefox, WebKit); if the browser under test lacks one, every later browser test
// would fail for a less obvious reason.
import { assert } from '../helpers/in-page-assert.js';
import { isValidChannelName } from '../../src/protocol/channel-name.js';

describe('platform under test', () => {
  it('has SharedWorker, Web Locks, BroadcastChannel and Service Workers', () => {
    assert(typeof SharedWorker === 'function', 'SharedWorker');
    assert(typeof navigator.locks?.request === 'function', 'navigator.locks');
    assert(typeof BroadcastChannel === 'function', 'BroadcastChannel');
    assert('serviceWorker' in navigator, 'serviceWorker');
  });
  it('runs the shared protocol modules unchanged', () => {
    assert(isValidChannelName('chat:lobby'), 'valid name accepted');
    assert(!isValidChannelName('chat lobby'), 'invalid name refused');
  });
});
