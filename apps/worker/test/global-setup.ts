import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { migrateLatest } from '@billing/db';
import { startPostgres, startTemporal, type PostgresHandle, type TemporalHandle } from '@billing/devstack';
import { bundleBillWorkflows } from '../src/bundle.ts';
import { cachedWorkflowBundle } from '../src/bundle-cache.ts';
import { installTestServer } from '../test-server/install.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The test worker's workflow bundles (production's workflows and the test wrappers), without
     * the tracing interceptors and with them: files kept in the bundle cache (src/bundle-cache.ts).
     */
    workflowBundlePaths: { untraced: string; traced: string };
    /**
     * The run's one PostgreSQL cluster, at its migrated template database: each file copies it
     * into a database of its own (test/support/servers.ts) and nobody connects to it.
     */
    templateDatabaseUrl: string;
    /** The run's one Temporal dev server, which every file but the time-skipping ones runs on. */
    temporalAddress: string;
    temporalNamespace: string;
  }
}

/**
 * Once for every test file: installs Temporal's Java time-skipping test server into the tools
 * cache, bundles the test worker's workflows with and without the tracing interceptors (a bundle
 * per file cost seconds each; a run reuses the bundles of an earlier run from the same sources,
 * about 8 s of CPU), and starts one PostgreSQL cluster, with a migrated template
 * database, and one Temporal dev server (a cluster and a dev server per file cost more CPU than
 * several files' own work).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  const bundled = (tracing: boolean) => cachedWorkflowBundle(`test-workflows-${tracing ? 'traced' : 'untraced'}`,
    () => bundleBillWorkflows({ workflowsPath, tracing }), [fileURLToPath(new URL('./workflows/', import.meta.url))]);
  let postgres: PostgresHandle | undefined;
  let temporal: TemporalHandle | undefined;
  const teardown = async () => {
    await Promise.all([temporal?.stop(), postgres?.stop()]);
  };
  // Settled, not raced: a failed start still waits for the others, so the teardown finds them all.
  const [bundle, traced, ...others] = await Promise.allSettled([
    bundled(false),
    bundled(true),
    installTestServer(),
    startPostgres({ temporary: true, database: 'worker_template' }).then(async (started) => {
      postgres = started;
      await migrateLatest(started.url);
    }),
    startTemporal().then((started) => {
      temporal = started;
    }),
  ]);
  const failed = [bundle, traced, ...others].find((result) => result.status === 'rejected');
  if (failed || bundle.status !== 'fulfilled' || traced.status !== 'fulfilled') {
    await teardown();
    throw failed?.reason;
  }
  project.provide('workflowBundlePaths', { untraced: bundle.value.codePath, traced: traced.value.codePath });
  project.provide('templateDatabaseUrl', postgres!.url);
  project.provide('temporalAddress', temporal!.address);
  project.provide('temporalNamespace', temporal!.namespace);
  return teardown;
}
