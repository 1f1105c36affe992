// Temporal's Java time-skipping test server (installed from Maven Central by
// test-server/install.ts) with the workflow's search attributes registered, as the dev server and
// compose register them, and a real, migrated PostgreSQL database of the file's own beside it
// (servers.ts) with a LedgerService over it.
import { createDb, type Db } from '@billing/db';
import {
  encodeSearchAttributeIndexedValueType, type SearchAttributeKey, type SearchAttributeType,
} from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { installTestServer } from '../../test-server/install.ts';
import { startTestLedger, type TestLedger } from './ledger.ts';
import { freshDatabase, type TestDatabase } from './servers.ts';
import { quietTemporalRuntime } from './stack.ts';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  db: Db;
  namespace: string;
  ledger: TestLedger;
}

export async function startTimeSkipping(searchAttributes: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>): Promise<TimeSkipping> {
  quietTemporalRuntime();
  const launcher = await installTestServer();
  const [env, database] = await Promise.all([startTestServer(launcher), freshDatabase()]);
  const namespace = env.namespace ?? 'default';
  await env.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(searchAttributes.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type) as number])),
  });
  const db = createDb({ url: database.url });
  return { env, database, db, namespace, ledger: await startTestLedger(db) };
}

/**
 * The SDK gives the JVM a few seconds to listen and then gives up, which a loaded two-core machine
 * can exceed while the JVM loads its classes: a failed start is tried again, a few times.
 */
async function startTestServer(launcher: string, attempts = 5): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: launcher } } });
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}
