/**
 * The names a tab and its hub agree on for one-tab delivery (README, One tab per message): the
 * hub's name, and the tab's liveness lock, which carries it.
 *
 * Why the lock carries the hub's name: a hub that starts afresh (the old one was killed, stopped
 * or retired) learns where one-tab handling stood from the tabs' marks as they re-subscribe, one
 * by one; until every tab that may know a later mark has done so, it must not hand anything out.
 * The live tabs of a hub are the holders of these locks, which a hub can list with
 * `navigator.locks.query()`.
 */
import type { TransportOption } from './hub-api.js';

/** One hub per name, in every host: the server URL and the transport option. */
export const hubName = (transport: TransportOption, url: string): string => `tabmux:${transport}:${url}`;

/**
 * What the liveness lock of every tab of hub `hub` starts with; each tab adds an id of its own. A
 * space cannot occur in a URL's href: no hub's prefix is another's.
 */
export const tabLockPrefix = (hub: string): string => `tabmux-tab:${hub} `;
