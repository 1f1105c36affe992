// bill-service built in this process over the suite's real PostgreSQL, Temporal, worker and
// rates-service, called in memory through Connect's router transport.
import { randomUUID } from 'node:crypto';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { BillService, RatesService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { createGrpcClient } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { createBillService } from '../../src/bills/connect.ts';
import { loadEnv, type BillServiceEnv } from '../../src/env.ts';

export interface TestBillService {
  client: Client<typeof BillService>;
  db: Db;
  env: BillServiceEnv;
  /** SQL statements bill-service sent to PostgreSQL since the last `queries.length = 0`. */
  queries: string[];
  close(): Promise<void>;
}

export function testEnv(extra: Record<string, string> = {}): BillServiceEnv {
  return loadEnv({
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    RATES_SERVICE_URL: inject('ratesServiceUrl'),
    LOG_LEVEL: 'warn',
    ...extra,
  });
}

/** `extra` adds to or overrides the suite's environment, e.g. a BILL_CURRENCIES list. */
export async function startTestBillService(extra: Record<string, string> = {}): Promise<TestBillService> {
  const env = testEnv(extra);
  const db = createDb({ url: env.DATABASE_URL, poolMax: 5 });
  const queries: string[] = [];
  db.on('query', (query: { sql: string }) => queries.push(query.sql));
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new TemporalClient({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const service = createBillService({
    db, temporal, env, logger: createLogger('bill-service', 'warn'),
    ratesClient: createGrpcClient(RatesService, env.RATES_SERVICE_URL),
  });
  const client = createClient(BillService, createRouterTransport(({ service: serve }) => serve(BillService, service)));
  return {
    client, db, env, queries,
    async close() {
      await connection.close();
      await db.destroy();
    },
  };
}

/** A customer id no other test uses. */
export function newCustomer(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** A billing period `monthsAhead` months after the current UTC month: never ended, whatever the time zone. */
export function futurePeriod(monthsAhead = 2): string {
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsAhead, 1));
  return `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}
