/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 60000,
  setupFiles: ['reflect-metadata'],
};
