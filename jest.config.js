/** @type {import('jest').Config} */
module.exports = {
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  testEnvironment: 'node',
  // Type checking runs once for the whole project (`npm run typecheck`, part of `npm test`);
  // ts-jest only transpiles, which keeps the suite fast.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Examples and docs import the package by name, as users do.
  moduleNameMapper: {
    '^rx-presence$': '<rootDir>/lib/index.ts',
    '^rx-presence/(emulator|testing|node|browser)$': '<rootDir>/lib/$1/index.ts',
  },
  testTimeout: 20000,
  // Specs marked `concurrent` mostly wait on the wall clock (faults, examples as child processes):
  // running them together costs little CPU and saves minutes.
  maxConcurrency: 24,
  // Jest's default on 2 cores is one worker (cores - 1), which runs the whole suite in band.
  // Much of the suite waits on child processes, sockets and timers, so a third worker keeps both
  // cores busy; a fourth made the CPU-bound files slower than it saved.
  maxWorkers: Math.max(3, require('node:os').availableParallelism()),
  testSequencer: '<rootDir>/jest-sequencer.js',
};
