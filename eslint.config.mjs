// ESLint over the whole tree, run by `npm run lint` and by `npm test` with --max-warnings 0.
// Formatting is Prettier's (.prettierrc.json): eslint-config-prettier comes last and turns off
// every rule that would argue with it.
import js from '@eslint/js';
import nextVitals from 'eslint-config-next/core-web-vitals';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated or installed, never written by hand (.gitignore lists the same).
  globalIgnores(['.next/', '.lab/', 'node_modules/', 'e2e/.output/', 'test-results/', 'playwright-report/', 'next-env.d.ts']),

  js.configs.recommended,
  // Next's own config: React, React Hooks (recommended, with the React Compiler rules), Next's
  // rules (Core Web Vitals as errors), jsx-a11y and import, with browser and Node globals.
  ...nextVitals,
  tseslint.configs.recommended,

  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `const { status: _status, ...result } = …` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },

  // The kafkajs shim is a CommonJS package that the sandbox's node loads in place of kafkajs:
  // require() is how it imports, and its `module.exports = require(...)` shape is what lets
  // Node's ESM loader find the named exports. The kafkajs bundle's sources are CommonJS too.
  {
    files: ['lib/sandbox/kafkajs-shim/**/*.js', 'lib/sandbox/kafkajs-bundle/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // No React under e2e/: Playwright fixtures hand their value on with a callback named `use`,
  // which the hooks rule takes for React's use().
  {
    files: ['e2e/**'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },

  prettier,
);
