// Flat config: type-checked rules, type-only imports, exhaustive switches, and the domain
// boundary (domain packages import no I/O), as in Emmett's core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'node:*',
  'fs',
  'path',
  'http',
  'net',
  'child_process',
  'express',
  'kafkajs',
  '@platformatic/kafka',
  'better-sqlite3',
  'pino',
  'pg',
  '@kurrent/*',
  '@apollo/*',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      'schemas/**',
      '**/*.cjs',
      'coverage/**',
      '.turbo/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // The test configs include the tests as well as the sources.
      parserOptions: {
        project: [
          './packages/*/tsconfig.test.json',
          './services/*/tsconfig.test.json',
          './test/tsconfig.json',
          './test/bench/tsconfig.json',
          './test/bench-postgres/tsconfig.json',
          './services/console/src/web/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Adapters over synchronous drivers implement async ports without awaiting.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: [
      'packages/domain/src/**/*.ts',
      'packages/demo/src/**/*.ts',
      'packages/event-store/src/**/*.ts',
    ],
    ignores: ['**/*.test.ts', 'packages/event-store/src/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'Domain code stays free of I/O: put this in an adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    // Nothing is unsealed unless the access is on the record: one module may open sealed values.
    // And every PostgreSQL pool is opened through one function.
    files: ['packages/**/*.ts', 'services/**/*.ts', 'test/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'packages/personal-data/src/**',
      'services/certificates/src/unmasking/unmask-holder.ts',
      'services/certificates/src/unmasking/inbox-opener.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='unseal']",
          message:
            'Open sealed personal data only through unmaskHolder (services/certificates/src/unmasking), which records the access first.',
        },
        {
          // A connection lost while checked out would otherwise end the process.
          selector: "NewExpression[callee.object.name='pg'][callee.property.name='Pool']",
          message:
            'Open PostgreSQL pools with openPool (@hub/postgres-schema), which listens for lost connections.',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['eslint.config.mjs'], ...tseslint.configs.disableTypeChecked },
);
