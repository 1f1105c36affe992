// The servers a test file runs against. Under vitest, one Temporal dev server and one PostgreSQL
// cluster serve the whole run (test/global-setup.ts starts them): each file gets a database of its
// own, copied from a migrated template, and its own task queues on the dev server's namespace, so
// no file sees another's rows, and no assertion reads namespace-wide state. Starting a server or
// migrating a cluster per file cost more CPU than the files' own work in several of them.
// Outside vitest (test/record-histories.ts) each caller starts its own.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrateLatest } from '@billing/db';
import { startPostgres, startTemporal } from '@billing/devstack';

export interface TestDatabase {
  url: string;
  /** Drops the database (or stops its cluster), closing whatever connection is still open on it. */
  drop(): Promise<void>;
}

export interface TestTemporal {
  address: string;
  namespace: string;
  /** Stops a server of the caller's own; the run's shared one is left to the global teardown. */
  stop(): Promise<void>;
}

/**
 * A migrated database no other test file uses: under vitest a copy of the run's template database
 * (`CREATE DATABASE ... TEMPLATE`, a file copy, about a tenth of a migration's CPU); otherwise on a
 * new cluster of its own, migrated.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  if (!process.env.VITEST) {
    const postgres = await startPostgres({ temporary: true });
    await migrateLatest(postgres.url);
    return { url: postgres.url, drop: () => postgres.stop() };
  }
  const template = new URL(inject('templateDatabaseUrl'));
  const name = `worker_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await onMaintenanceDatabase(template, (client) => client.query(
    `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template.pathname.slice(1))} STRATEGY FILE_COPY`));
  const url = new URL(template);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => onMaintenanceDatabase(template, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)),
  };
}

/** The run's Temporal dev server under vitest; otherwise a new one, stopped by `stop`. */
export async function testTemporal(): Promise<TestTemporal> {
  if (!process.env.VITEST) {
    const temporal = await startTemporal();
    return { address: temporal.address, namespace: temporal.namespace, stop: () => temporal.stop() };
  }
  return { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), stop: () => Promise.resolve() };
}

/** Runs `action` on the cluster's `postgres` database, where creating and dropping others is allowed. */
async function onMaintenanceDatabase(cluster: URL, action: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const url = new URL(cluster);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    await action(client);
  } finally {
    await client.end();
  }
}
