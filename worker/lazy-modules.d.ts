/**
 * The modules the in-page hub and the `direct` hub import by their built name (lazy-modules.js
 * LAZY_MODULES), typed by their contract.
 */
declare module '*/tabmux-one-tab-peers.js' {
  // An ambient module cannot `import` a relative path, so the contract is named inline.
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  export const startOneTabPeers: import('./runtimes/one-tab-peers.js').OneTabPeersModule['startOneTabPeers'];
}

declare module '*/tabmux-direct-hub.js' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  export const directHooks: import('./runtimes/direct.js').DirectHubModule['directHooks'];
}
