import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', {
        object: 'process', property: 'env',
        message: 'Only src/config/config-loader.ts and src/config/cli-settings.ts read process.env.',
      }],
    },
  },
  {
    files: ['src/config/config-loader.ts', 'src/config/cli-settings.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The dashboard: plain ES modules run by the browser as they are (see docs/decisions/0002).
    files: ['ui/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'fetch', 'sessionStorage', 'crypto', 'confirm', 'FormData', 'URL', 'URLSearchParams',
          'addEventListener', 'removeEventListener', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'console'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // JSON answers under test are read as `any`: the assertions are the type check.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
