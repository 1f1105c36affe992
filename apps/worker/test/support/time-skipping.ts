// Temporal's Java time-skipping test server (installed from Maven Central by
// test-server/install.ts) with the workflow's search attributes registered, as the dev server and
// compose register them, and a real, migrated PostgreSQL beside it with a LedgerService over it.
import { createDb, migrateLatest, type Db } from '@billing/db';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import {
  encodeSearchAttributeIndexedValueType, type SearchAttributeKey, type SearchAttributeType,
} from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { installTestServer } from '../../test-server/install.ts';
import { startTestLedger, type TestLedger } from './ledger.ts';
import { quietTemporalRuntime } from './stack.ts';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  postgres: PostgresHandle;
  db: Db;
  namespace: string;
  ledger: TestLedger;
}

export async function startTimeSkipping(searchAttributes: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>): Promise<TimeSkipping> {
  quietTemporalRuntime();
  const launcher = await installTestServer();
  const [env, postgres] = await Promise.all([startTestServer(launcher), startPostgres({ temporary: true })]);
  const namespace = env.namespace ?? 'default';
  await env.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(searchAttributes.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type) as number])),
  });
  await migrateLatest(postgres.url);
  const db = createDb({ url: postgres.url });
  return { env, postgres, db, namespace, ledger: await startTestLedger(db) };
}

/**
 * The SDK gives the JVM a few seconds to listen and then gives up, which a loaded two-core machine
 * can exceed while the JVM loads its classes: a failed start is tried again, a few times.
 */
async function startTestServer(launcher: string, attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: launcher } } });
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}
