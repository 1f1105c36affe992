import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// One real stack (PostgreSQL, Temporal, the four apps) for the whole suite, on free ports.
export default mergeConfig(shared, defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
  },
}));
