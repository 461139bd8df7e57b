// One Jest run for the whole monorepo; the tier is in the file suffix so each can run alone
// (`npx jest --selectProjects unit`).
const swc = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
];
const common = {
  transform: {
    '^.+\\.ts$': swc,
    // ES-module-only packages (the Kafka bridge's client), compiled to CommonJS for Jest.
    '/node_modules/@platformatic/kafka/.+\\.js$':
      '<rootDir>/test/support/esm-package-transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@platformatic/kafka/)'],
  moduleNameMapper: {
    // Sources import siblings as './x.js' (NodeNext); Jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Workspace packages are tested from source, not from dist.
    '^@hub/([a-z-]+)$': [
      '<rootDir>/packages/$1/src/index.ts',
      '<rootDir>/services/$1/src/index.ts',
    ],
    '^@hub/([a-z-]+)/([a-z-]+)$': [
      '<rootDir>/packages/$1/src/$2/index.ts',
      '<rootDir>/services/$1/src/$2/index.ts',
    ],
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,services,test}/**/*.unit.test.ts'],
    },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/{packages,services,test}/**/*.int.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{packages,services,test}/**/*.e2e.test.ts'],
    },
  ],
};
