import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tsbuild/', 'bench/results/', 'examples/**/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  { files: ['server/**', 'test/**', 'bench/**', '*.js', '.ci/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['src/**', 'test/browser/**', 'test/helpers/iframe-tabs.ts', 'test/helpers/in-page-assert.ts', 'server/demo/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['examples/**/*.{js,mjs,jsx}'], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
  { files: ['worker/**'], languageOptions: { globals: { ...globals.worker, ...globals.serviceworker } } },
  { files: ['bench/browser/pages/*.js'], languageOptions: { globals: { ...globals.sharedWorker } } },
);
