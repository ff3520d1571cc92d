// A @web/test-runner plugin that serves React to the test pages as ES modules. React 18/19 ship
// CommonJS only, which the dev server cannot serve as is; so `react` and `react-dom/client` are
// bundled ONCE by esbuild into one module (two bundles would be two Reacts,
// and hooks fail across them), and each specifier becomes a small module re-exporting its part.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const VENDOR = '/__react/vendor.js';
/** Specifier → the name of its namespace in the vendor module. */
const PARTS = { react: 'React', 'react-dom/client': 'ReactDomClient' };
const pathOf = (specifier) => `/__react/${specifier.replaceAll('/', '__')}.js`;

export function reactPlugin() {
  let vendor;
  return {
    name: 'react-as-esm',
    resolveImport({ source }) {
      return source in PARTS ? pathOf(source) : undefined;
    },
    async serve(context) {
      if (context.path === VENDOR) {
        vendor ??= bundleVendor();
        return { body: await vendor, type: 'js' };
      }
      const specifier = Object.keys(PARTS).find((name) => context.path === pathOf(name));
      if (specifier === undefined) return undefined;
      const names = exportNames(specifier).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
      const part = PARTS[specifier];
      const body = [`import { ${part} } from '${VENDOR}';`, `export default ${part};`, `export const { ${names.join(', ')} } = ${part};`].join('\n');
      return { body, type: 'js' };
    },
  };
}

/**
 * The named exports of a CommonJS module, so that every hook of this React is there. Listed in a
 * child process: loading React's development build here would patch the console of the runner.
 */
function exportNames(specifier) {
  const script = `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

async function bundleVendor() {
  const result = await build({
    stdin: { contents: Object.entries(PARTS).map(([specifier, part]) => `export * as ${part} from '${specifier}';`).join('\n'), resolveDir: process.cwd() },
    bundle: true,
    format: 'esm',
    write: false,
    // The development build: its warnings (a hook misused, a key missing) are what a test should see.
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
