import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SERVICES = ['channels', 'messaging', 'tickets', 'realtime-gateway'];

/** A service talks to another only over HTTP or events, never by importing its code. */
const serviceBoundaries = SERVICES.map((service) => ({
  files: [`services/${service}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: SERVICES.filter((other) => other !== service).flatMap((other) => [
          { group: [`@chat/${other}`, `@chat/${other}/*`], message: 'Services do not import each other: use events or HTTP.' },
          { group: [`**/services/${other}/**`, `../../${other}/**`], message: 'Services do not import each other: use events or HTTP.' },
        ]),
      },
    ],
  },
}));

/** Libraries serve every service and so never depend on one. */
const libraryBoundaries = {
  files: ['libs/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: SERVICES.flatMap((service) => [
          { group: [`@chat/${service}`, `**/services/${service}/**`], message: 'Libraries do not depend on services.' },
        ]),
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.tmp/**', 'deploy/helm/**', 'apps/support-console/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', fetch: 'readonly', crypto: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', performance: 'readonly', window: 'readonly', document: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', navigator: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['scripts/**', 'bench/**', '**/*-cli.ts', '**/test/**'],
    rules: { 'no-console': 'off' },
  },
  ...serviceBoundaries,
  libraryBoundaries,
);
