// LedgerService built in this process over the suite's real PostgreSQL, called in memory through
// Connect's router transport (the same handlers a gRPC client reaches).
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { inject } from 'vitest';
import { LedgerService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { createLedgerService } from '../../src/ledger/connect.ts';

export interface TestLedgerService {
  ledger: Client<typeof LedgerService>;
  db: Db;
  close(): Promise<void>;
}

export function startTestLedgerService({ poolMax = 10 } = {}): TestLedgerService {
  const db = createDb({ url: inject('databaseUrl'), poolMax });
  const service = createLedgerService({ db });
  const ledger = createClient(LedgerService, createRouterTransport(({ service: serve }) => serve(LedgerService, service)));
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
