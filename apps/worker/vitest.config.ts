import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineConfig({
  test: {
    // Installs Temporal's Java time-skipping test server into the tools cache once, up front.
    globalSetup: ['./test/global-setup.ts'],
    // Each file starts its own Temporal and PostgreSQL; on two cores, one at a time is faster.
    fileParallelism: false,
  },
}));
