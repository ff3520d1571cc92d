/**
 * The hub's modules a page imports by their built name (rollup.config.js LAZY_MODULES, served next
 * to the client module), typed by their contract: the page never imports worker/ sources.
 */
declare module '*/tabmux-in-page-hub.js' {
  // An ambient module cannot `import` a relative path, so the contract is named inline.
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  export const startInPageHub: import('./in-page-hub.js').InPageHubModule['startInPageHub'];
}
