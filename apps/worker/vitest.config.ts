import { defineConfig, mergeConfig } from 'vitest/config';
import shared, { CPU_REPORTER } from '../../vitest.shared.ts';

const base = mergeConfig(shared, defineConfig({
  test: {
    // Installs Temporal's Java time-skipping test server into the tools cache once, up front.
    globalSetup: ['./test/global-setup.ts'],
    // Each file starts its own Temporal and PostgreSQL; on two cores, one at a time is faster.
    fileParallelism: false,
  },
}));

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Files run one at a time, so each file's CPU (with its servers' meanwhile) is its own.
    reporters: [...(base.test?.reporters ?? []).filter((reporter: unknown) => reporter !== CPU_REPORTER), [CPU_REPORTER, { perFile: true }]],
  },
});
