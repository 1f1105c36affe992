import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import shared, { CPU_REPORTER } from '../../vitest.shared.ts';

/**
 * Files that kill, stop and restart apps: they share a stack of their own (test/chaos-global-setup.ts),
 * one file at a time, so their kills never reach the shared stack of the other files. A file that
 * kills nothing may run here too, to balance the lanes, if it counts only its own data.
 */
export const CHAOS_STACK_FILES = [
  'test/chaos.test.ts',
  'test/ledger-chaos.test.ts',
  'test/mandates-chaos.test.ts',
  'test/multi-currency.test.ts',
  'test/webhooks-chaos.test.ts',
  'test/usage-chaos.test.ts',
  'test/credit-notes-chaos.test.ts',
  // These kill nothing of the stack; they are here so that the two lanes take about as long.
  'test/app-processes.test.ts',
  'test/traces.test.ts',
];
/**
 * The README walk-through starts a stack with `npm start`'s settings, untouched by any other file.
 * (test/replicas.test.ts starts its own stack of several replicas too, and kills only its own
 * processes; it runs in the shared-stack lane, to keep the chaos lane from growing further.)
 */
export const OWN_STACK_FILES = ['test/readme-walkthrough.test.ts'];
/** The second lane: `test/run-projects.mjs` runs it beside the shared-stack project, each one file at a time. */
const SECOND_LANE = [...CHAOS_STACK_FILES, ...OWN_STACK_FILES];

const base = mergeConfig(shared, defineConfig({ test: { testTimeout: 60_000, fileParallelism: false } }));
const { include: _include, ...runWide } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    // Reporters and other run-wide settings are read from here, the rest from each project.
    ...runWide,
    // Files run one at a time in each lane, so each file's CPU is its own (and its stack's meanwhile).
    reporters: [...(runWide.reporters ?? []).filter((reporter: unknown) => reporter !== CPU_REPORTER),
      [CPU_REPORTER, { perFile: true, label: process.argv.includes('--project') ? process.argv[process.argv.indexOf('--project') + 1] : 'system' }]],
    projects: [
      // One real stack (PostgreSQL, Temporal, the four apps) for all these files, on free ports.
      { ...base, test: { ...base.test, name: 'shared-stack', exclude: [...configDefaults.exclude, ...SECOND_LANE], globalSetup: ['./test/global-setup.ts'] } },
      {
        ...base,
        test: {
          ...base.test, name: 'chaos-stack', include: SECOND_LANE,
          globalSetup: ['./test/chaos-global-setup.ts'], setupFiles: ['./test/chaos-stack-setup.ts'],
        },
      },
    ],
  },
});
