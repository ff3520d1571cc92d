/** The chooser: a target name to a started server. */
import { startBetterSse } from './better-sse.js';
import { startRawSse } from './raw-sse.js';
import { startRawWs } from './raw-ws.js';
import { startSocketIo } from './socket-io.js';
import { startTabmux } from './tabmux.js';
import type { Target, TargetName } from './types.js';

export function startTarget(name: TargetName): Promise<Target> {
  switch (name) {
    case 'raw-sse':
      return startRawSse();
    case 'raw-ws':
      return startRawWs();
    case 'tabmux':
      return startTabmux();
    case 'socket.io':
      return startSocketIo();
    case 'better-sse':
      return startBetterSse();
    default: {
      const never: never = name;
      throw new Error(`unknown target ${String(never)}`);
    }
  }
}
