/** The real transports, by kind: the hub's default `openUpstream`. */
import type { Platform } from '../platform.js';
import { openPoll } from './poll.js';
import { openSse } from './sse.js';
import type { UpstreamFactory } from './types.js';
import { openWs } from './ws.js';

export function realTransports(platform: Platform): UpstreamFactory {
  return (kind, request, handlers) => {
    switch (kind) {
      case 'sse':
        return openSse(platform, request, handlers);
      case 'ws':
        return openWs(platform, request, handlers);
      case 'poll':
        return openPoll(platform, request, handlers);
      default: {
        const never: never = kind;
        throw new Error(`unknown transport ${String(never)}`);
      }
    }
  };
}
