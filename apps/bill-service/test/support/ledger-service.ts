// LedgerService built in this process over the suite's real PostgreSQL, called in memory through
// Connect's router transport (the same handlers a gRPC client reaches) behind the interceptor
// and mappers the real server applies, so codes and messages are what callers get.
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { inject } from 'vitest';
import { LedgerService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { serverInterceptor } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { databaseErrors } from '../../src/database-errors.ts';
import { createLedgerService } from '../../src/ledger/connect.ts';
import { ledgerErrors } from '../../src/ledger/ledger-errors.ts';

export interface TestLedgerService {
  ledger: Client<typeof LedgerService>;
  db: Db;
  close(): Promise<void>;
}

export function startTestLedgerService({ poolMax = 10 } = {}): TestLedgerService {
  const db = createDb({ url: inject('databaseUrl'), poolMax });
  const service = createLedgerService({ db });
  const interceptor = serverInterceptor({ logger: createLogger('bill-service', 'silent'), errorMappers: [ledgerErrors, databaseErrors] });
  const ledger = createClient(LedgerService, createRouterTransport(({ service: serve }) => serve(LedgerService, service), {
    router: { interceptors: [interceptor] },
  }));
  return { ledger, db, close: () => db.destroy() };
}

/** Every account's stored balance next to the one its postings add up to, in its normal direction. */
export async function balancesAgainstPostings(db: Db): Promise<Array<{ id: string; kind: string; balance: string; fromPostings: string }>> {
  const { rows } = await db.raw(`
    SELECT a.id, a.kind, a.balance_minor::text AS balance,
           coalesce(sum(CASE WHEN p.direction = a.normal_side THEN p.amount_minor ELSE -p.amount_minor END), 0)::text AS "fromPostings"
      FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
     GROUP BY a.id ORDER BY a.id`);
  return rows;
}
