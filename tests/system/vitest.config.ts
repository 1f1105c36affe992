import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/**
 * Files that start every stack they need themselves (they kill and restart apps, or need settings
 * of their own) and use nothing of the shared one. They run in a project of their own, which
 * `test/run-projects.mjs` runs beside the shared-stack project: two lanes, each one file at a time.
 */
export const OWN_STACK_FILES = [
  'test/chaos.test.ts',
  'test/ledger-chaos.test.ts',
  'test/mandates-chaos.test.ts',
  'test/multi-currency.test.ts',
  'test/readme-walkthrough.test.ts',
  'test/webhooks-chaos.test.ts',
];

const base = mergeConfig(shared, defineConfig({ test: { testTimeout: 60_000, fileParallelism: false } }));
const { include: _include, ...runWide } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    // Reporters and other run-wide settings are read from here, the rest from each project.
    ...runWide,
    projects: [
      // One real stack (PostgreSQL, Temporal, the four apps) for all these files, on free ports.
      { ...base, test: { ...base.test, name: 'shared-stack', exclude: [...configDefaults.exclude, ...OWN_STACK_FILES], globalSetup: ['./test/global-setup.ts'] } },
      { ...base, test: { ...base.test, name: 'own-stacks', include: OWN_STACK_FILES } },
    ],
  },
});
