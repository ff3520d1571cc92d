/**
 * What a row of the server tables is: a server target and the client that speaks to it.
 * Baselines are the raw loops (the practical limit) and what users would pick instead.
 */
import type { ClientKind } from './clients/subscribers.js';
import type { TargetName } from './targets/types.js';

export type SystemName = 'raw-sse' | 'raw-ws' | 'tabmux-sse' | 'tabmux-ws' | 'socket.io' | 'better-sse';

export interface System {
  readonly name: SystemName;
  readonly target: TargetName;
  readonly client: ClientKind;
  readonly transport: 'sse' | 'ws';
}

export const SYSTEMS: readonly System[] = [
  { name: 'raw-sse', target: 'raw-sse', client: 'sse', transport: 'sse' },
  { name: 'tabmux-sse', target: 'tabmux', client: 'tabmux-sse', transport: 'sse' },
  { name: 'better-sse', target: 'better-sse', client: 'sse', transport: 'sse' },
  { name: 'raw-ws', target: 'raw-ws', client: 'ws', transport: 'ws' },
  { name: 'tabmux-ws', target: 'tabmux', client: 'tabmux-ws', transport: 'ws' },
  { name: 'socket.io', target: 'socket.io', client: 'socket.io', transport: 'ws' },
];

export function system(name: SystemName): System {
  const found = SYSTEMS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown system ${name}`);
  return found;
}
