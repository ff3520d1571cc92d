/**
 * A bench's thousands of connections all come from 127.0.0.1: the push server's per-address limits
 * (README, Limits: `maxConnectionsPerIp`, `connectionRate`, `connectionBurst`) would refuse most
 * of them, so every bench server opens them wide. Its other limits stay at their defaults.
 */
export const ONE_ADDRESS_LIMITS = { maxConnectionsPerIp: 1_000_000, connectionRate: 1_000_000, connectionBurst: 1_000_000 } as const;
