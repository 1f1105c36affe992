import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// One PostgreSQL, Temporal, worker and rates-service for the suite; each test file builds
// bill-service itself on top of them.
export default mergeConfig(shared, defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
  },
}));
