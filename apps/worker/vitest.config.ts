import { defineConfig, mergeConfig } from 'vitest/config';
import shared, { CPU_REPORTER } from '../../vitest.shared.ts';

const base = mergeConfig(shared, defineConfig({
  test: {
    // Once for the run: the Java time-skipping test server installed, the test workflows bundled,
    // and the Temporal dev server and PostgreSQL cluster every file shares started.
    globalSetup: ['./test/global-setup.ts'],
    // The files are bound by CPU and share those servers; on two cores, one at a time is faster.
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
