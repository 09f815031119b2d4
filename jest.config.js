/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  testTimeout: 60000,
  // Integration suites share one DynamoDB Local and bind ports; two workers match the CI machine.
  maxWorkers: 2,
};
