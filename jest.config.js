/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  // One DynamoDB Local (Amazon's emulator, on Java) for the whole run; each suite makes its own tables.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Integration suites share one DynamoDB Local and bind ports; two workers match the CI machine.
  maxWorkers: 2,
};
