// Shared by every package's vitest.config.ts: resolve workspace packages to their TypeScript
// sources (the `source` export condition) so tests never need a build of their dependencies.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Prints the CPU a run used (vitest-cpu-reporter.ts); a package's config may pass it options. */
export const CPU_REPORTER = join(import.meta.dirname, 'vitest-cpu-reporter.ts');

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Test files of a package share one module graph per worker instead of importing it afresh
    // for each file: a third to a half of some suites' time went to those imports. Test files
    // therefore must not depend on module state another file left behind.
    isolate: false,
    // The JSON report is what `npm test` adds up into its closing summary (scripts/test-summary.mjs).
    // TEST_REPORT_FILE: where a run of one of several projects puts its report (tests/system/test/run-projects.mjs).
    reporters: ['default', ['json', { outputFile: process.env.TEST_REPORT_FILE ?? '.test-results/vitest.json' }], CPU_REPORTER],
  },
});
