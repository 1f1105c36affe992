import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { migrateLatest } from '@billing/db';
import { startPostgres, startTemporal, type PostgresHandle, type TemporalHandle } from '@billing/devstack';
import { bundleBillWorkflows } from '../src/bundle.ts';
import { installTestServer } from '../test-server/install.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * A folder with the test worker's workflow bundles, made once per run: bundle.js (and .map)
     * without the tracing interceptors, traced/bundle.js with them.
     */
    workflowBundleDir: string;
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
 * cache, bundles the test worker's workflows (a bundle per file cost seconds each), with and
 * without the tracing interceptors, and starts one PostgreSQL cluster, with a migrated template
 * database, and one Temporal dev server (a cluster and a dev server per file cost more CPU than
 * several files' own work).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'worker-test-bundle-'));
  const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  let postgres: PostgresHandle | undefined;
  let temporal: TemporalHandle | undefined;
  const teardown = async () => {
    await Promise.all([temporal?.stop(), postgres?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  // Settled, not raced: a failed start still waits for the others, so the teardown finds them all.
  const [bundle, traced, ...others] = await Promise.allSettled([
    bundleBillWorkflows({ workflowsPath, tracing: false }),
    bundleBillWorkflows({ workflowsPath, tracing: true }),
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
  mkdirSync(join(dir, 'traced'));
  writeFileSync(join(dir, 'bundle.js'), bundle.value.code);
  writeFileSync(join(dir, 'bundle.js.map'), bundle.value.sourceMap);
  writeFileSync(join(dir, 'traced', 'bundle.js'), traced.value.code);
  writeFileSync(join(dir, 'traced', 'bundle.js.map'), traced.value.sourceMap);
  project.provide('workflowBundleDir', dir);
  project.provide('templateDatabaseUrl', postgres!.url);
  project.provide('temporalAddress', temporal!.address);
  project.provide('temporalNamespace', temporal!.namespace);
  return teardown;
}
