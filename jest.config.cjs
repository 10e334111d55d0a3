/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `npm run typecheck`; here ts-jest only transpiles (isolatedModules).
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^rxpeer$': '<rootDir>/src/index.ts',
    '^rxpeer/testing$': '<rootDir>/src/testing/index.ts',
    // The Node platform; bundlers for browsers take platform.browser.ts (package.json "imports").
    '^#platform$': '<rootDir>/src/peer/platform.ts',
    '^rxpeer/rxjs-compat$': '<rootDir>/src/rxjs-compat/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
