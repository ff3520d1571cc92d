// `npx webpack -c examples/09-webpack/webpack.config.js` → examples/09-webpack/dist/
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Copies index.html next to the bundle (what html-webpack-plugin does, without the dependency). */
class CopyIndexHtml {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyIndexHtml', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyIndexHtml', stage: compilation.constructor.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        compilation.emitAsset('index.html', new compiler.webpack.sources.RawSource(readFileSync(`${here}index.html`)));
      });
    });
  }
}

export default {
  mode: 'production',
  context: here,
  entry: './src/main.js',
  output: { path: `${here}dist`, filename: 'main.js', clean: true },
  plugins: [new CopyIndexHtml()],
};
