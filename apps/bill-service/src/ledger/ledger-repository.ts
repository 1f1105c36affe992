// The ledger's reads and writes in PostgreSQL. The books' rules are the database's (migrations
// 0005 and 0006): this module only chooses what to insert and reads back what is there.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { billSums, keysetAfter, keysetPositionOf, recordEvents, retryOnConflict, type KeysetPosition } from '@billing/db';
import {
  NORMAL_SIDE, accountId, type AccountKind, type AccountRef, type BillSums, type EntryPlan, type EntryType, type Side,
} from '@billing/ledger';
import { DEFAULT_UNITS, type UnitRegistry } from '@billing/money';
import { entryEventData } from './ledger-view.ts';

export interface StoredPosting {
  accountId: string;
  direction: Side;
  amountMinor: string;
  currency: string;
}

export interface StoredEntry {
  id: string;
  type: EntryType;
  idempotencyKey: string;
  customerId: string | null;
  reference: string | null;
  billId: string | null;
  refundOf: string | null;
  amountMinor: string | null;
  currency: string | null;
  createdAt: Date;
  postings: StoredPosting[];
}

export interface AccountRow {
  id: string;
  customer_id: string | null;
  kind: AccountKind;
  currency: string;
  provider: string | null;
  balance_minor: string;
  normal_side: Side;
}

interface EntryRow {
  id: string;
  type: EntryType;
  idempotency_key: string;
  customer_id: string | null;
  reference: string | null;
  bill_id: string | null;
  refund_of: string | null;
  amount_minor: string | null;
  currency: string | null;
  created_at: Date;
}

interface PostingRow {
  entry_id: string;
  account_id: string;
  direction: Side;
  amount_minor: string;
  currency: string;
}

/** What one plan came to: a new entry, or the entry its key posted before. */
export interface PostOutcome {
  entry: StoredEntry;
  replayed: boolean;
}

const newEntryId = () => `ent_${randomUUID().replaceAll('-', '')}`;

function entryRow(plan: EntryPlan, id: string) {
  return {
    id,
    type: plan.type,
    idempotency_key: plan.idempotencyKey,
    customer_id: plan.customerId,
    counterparty_id: plan.counterpartyId ?? null,
    reference: plan.reference ?? null,
    bill_id: plan.billId ?? null,
    refund_of: plan.refundOf ?? null,
    amount_minor: plan.amount.minor.toString(),
    currency: plan.amount.currency.code,
  };
}

function postingRows(plan: EntryPlan, entryId: string): PostingRow[] {
  return plan.postings.map((posting) => ({
    entry_id: entryId,
    account_id: accountId(posting.account),
    direction: posting.direction,
    amount_minor: posting.amount.minor.toString(),
    currency: posting.amount.currency.code,
  }));
}

function storedEntry(row: EntryRow, postings: readonly PostingRow[]): StoredEntry {
  return {
    id: row.id,
    type: row.type,
    idempotencyKey: row.idempotency_key,
    customerId: row.customer_id,
    reference: row.reference,
    billId: row.bill_id,
    refundOf: row.refund_of,
    amountMinor: row.amount_minor,
    currency: row.currency,
    createdAt: row.created_at,
    postings: postings.map((posting) => ({
      accountId: posting.account_id, direction: posting.direction, amountMinor: posting.amount_minor, currency: posting.currency,
    })),
  };
}

/** The row that opens an account (at a zero balance; see migration 0005). */
function accountRow(ref: AccountRef) {
  return {
    id: accountId(ref),
    customer_id: 'customerId' in ref ? ref.customerId : null,
    kind: ref.kind,
    currency: ref.currency,
    provider: 'provider' in ref ? ref.provider : null,
    normal_side: NORMAL_SIDE[ref.kind],
  };
}

/** `ledger.entry_posted` for each new entry that names a customer, written in the entry's transaction. */
async function recordPosted(trx: Knex.Transaction, entries: readonly StoredEntry[], units: UnitRegistry): Promise<void> {
  await recordEvents(trx, entries.flatMap((entry) => (entry.customerId === null
    ? []
    : [{ type: 'ledger.entry_posted' as const, customerId: entry.customerId, data: entryEventData(entry, units) }])));
}

export function ledgerRepository(db: Knex, units: UnitRegistry = DEFAULT_UNITS) {
  // Accounts are never deleted, so one known to exist stays known: after warm-up, posting to an
  // account costs no statement of its own.
  const opened = new Set<string>();

  /**
   * Opens the accounts not known to exist. Inside a caller's transaction the rows are inserted
   * but not remembered, since that transaction may still roll back and take them with it.
   */
  async function openAccounts(refs: readonly AccountRef[], trx?: Knex.Transaction): Promise<void> {
    const rows = new Map(refs.map((ref) => [accountId(ref), accountRow(ref)]));
    for (const id of opened) rows.delete(id);
    if (rows.size === 0) return;
    const missing = [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    // `ON CONFLICT DO NOTHING` on every unique index, not only the id's. Two transactions opening
    // the same account race (an account's id is made from its owner, so both insert the same row);
    // PostgreSQL only turns a clash on an arbiter index into "do nothing", and a clash found first
    // on the owner's index (`ledger_accounts_owner`) was a unique violation, an `internal` error to
    // the caller, in the ledger chaos run. Any clash here is the account being there.
    await (trx ?? db)('ledger_accounts').insert(missing).onConflict().ignore();
    if (!trx) for (const row of missing) opened.add(row.id);
  }

  async function loadEntries(rows: readonly EntryRow[], trx: Knex = db): Promise<StoredEntry[]> {
    if (rows.length === 0) return [];
    const postings: PostingRow[] = await trx('ledger_postings')
      .select('entry_id', 'account_id', 'direction', 'amount_minor', 'currency')
      .whereIn('entry_id', rows.map((row) => row.id))
      .orderBy('id');
    const byEntry = Map.groupBy(postings, (posting) => posting.entry_id);
    return rows.map((row) => storedEntry(row, byEntry.get(row.id) ?? []));
  }

  const ENTRY_COLUMNS = ['id', 'type', 'idempotency_key', 'customer_id', 'reference', 'bill_id', 'refund_of', 'amount_minor', 'currency', 'created_at'];

  async function findByKeys(keys: readonly string[], trx: Knex = db): Promise<Map<string, StoredEntry>> {
    if (keys.length === 0) return new Map();
    const rows: EntryRow[] = await trx('ledger_entries').select(ENTRY_COLUMNS).whereIn('idempotency_key', [...new Set(keys)]);
    return new Map((await loadEntries(rows, trx)).map((entry) => [entry.idempotencyKey, entry]));
  }

  /**
   * Posts many plans in one transaction: one INSERT of entries (a key posted before inserts
   * nothing), one INSERT of all their postings. The database checks every rule; if one plan
   * breaks one (a wallet would go negative), the whole statement fails and nothing is written,
   * and the caller decides what to do with the plans one by one.
   */
  async function postMany(plans: readonly EntryPlan[]): Promise<PostOutcome[]> {
    await openAccounts(plans.flatMap((plan) => plan.postings.map((posting) => posting.account)));
    const rows = plans.map((plan) => entryRow(plan, newEntryId()));
    const inserted = await retryOnConflict(() => db.transaction(async (trx) => {
      const returned: Array<{ id: string; created_at: Date }> = await trx('ledger_entries')
        .insert(rows).onConflict('idempotency_key').ignore().returning(['id', 'created_at']);
      const createdAt = new Map(returned.map((row) => [row.id, row.created_at]));
      const postings = rows.flatMap((row, index) => (createdAt.has(row.id) ? postingRows(plans[index]!, row.id) : []));
      if (postings.length > 0) await trx('ledger_postings').insert(postings);
      await recordPosted(trx, rows.flatMap((row, index) => {
        const at = createdAt.get(row.id);
        return at === undefined ? [] : [storedEntry({ ...row, created_at: at }, postingRows(plans[index]!, row.id))];
      }), units);
      return createdAt;
    }));
    const replays = await findByKeys(rows.filter((row) => !inserted.has(row.id)).map((row) => row.idempotency_key));
    return rows.map((row, index) => {
      const createdAt = inserted.get(row.id);
      if (createdAt !== undefined) {
        return { entry: storedEntry({ ...row, created_at: createdAt }, postingRows(plans[index]!, row.id)), replayed: false };
      }
      const first = replays.get(row.idempotency_key);
      if (!first) throw new Error(`ledger entry with key ${row.idempotency_key} neither inserted nor found`);
      return { entry: first, replayed: true };
    });
  }

  return {
    openAccounts,
    findByKeys,
    postMany,

    /** Posts one plan inside the caller's transaction (which holds the locks its checks rely on). */
    async postIn(trx: Knex.Transaction, plan: EntryPlan): Promise<StoredEntry | undefined> {
      await openAccounts(plan.postings.map((posting) => posting.account), trx);
      const row = entryRow(plan, newEntryId());
      const returned: Array<{ created_at: Date }> = await trx('ledger_entries')
        .insert(row).onConflict('idempotency_key').ignore().returning(['created_at']);
      if (returned.length === 0) return undefined;
      await trx('ledger_postings').insert(postingRows(plan, row.id));
      const entry = storedEntry({ ...row, created_at: returned[0]!.created_at }, postingRows(plan, row.id));
      await recordPosted(trx, [entry], units);
      return entry;
    },

    /** Locks a bill's INVOICE entry until the transaction ends: payments of one bill take turns. */
    async lockInvoice(trx: Knex.Transaction, billId: string): Promise<boolean> {
      const rows = await trx('ledger_entries').select('id').where({ bill_id: billId, type: 'INVOICE' }).forNoKeyUpdate();
      return rows.length > 0;
    },

    /** Locks a payment entry until the transaction ends: refunds of one payment take turns. */
    async lockPayment(trx: Knex.Transaction, entryId: string): Promise<StoredEntry | undefined> {
      const rows: EntryRow[] = await trx('ledger_entries').select(ENTRY_COLUMNS).where({ id: entryId, type: 'PAYMENT' }).forNoKeyUpdate();
      return (await loadEntries(rows, trx))[0];
    },

    async refundedMinor(trx: Knex.Transaction, paymentId: string): Promise<bigint> {
      const row = await trx('ledger_entries').where({ refund_of: paymentId }).sum({ total: 'amount_minor' }).first();
      return BigInt((row?.total as string | null) ?? '0');
    },

    /** Invoiced, paid and refunded per bill, for the bills named. */
    async billSums(billIds: readonly string[], trx: Knex = db): Promise<Map<string, BillSums>> {
      return billSums(trx, billIds);
    },

    /** Up to `limit` of a customer's accounts by currency, then kind, after the position `after`. */
    async accountsOf(customerId: string, after: { currency: string; kind: string } | undefined, limit: number): Promise<AccountRow[]> {
      const query = db<AccountRow>('ledger_accounts').where({ customer_id: customerId }).orderBy([
        { column: 'currency' }, { column: 'kind' },
      ]).limit(limit);
      if (after !== undefined) void query.whereRaw('(currency, kind) > (?, ?)', [after.currency, after.kind]);
      return query;
    },

    async accountsById(ids: readonly string[], trx: Knex = db): Promise<Map<string, AccountRow>> {
      if (ids.length === 0) return new Map();
      const rows: AccountRow[] = await trx('ledger_accounts').whereIn('id', [...new Set(ids)]);
      return new Map(rows.map((row) => [row.id, row]));
    },

    /** A customer's entries (their own and transfers to them), newest first, after a keyset position. */
    async entriesOf(customerId: string, after: KeysetPosition | undefined, limit: number): Promise<Array<StoredEntry & { position: string }>> {
      const page = keysetAfter(after, 'desc');
      const rows = (await db('ledger_entries').select([...ENTRY_COLUMNS, db.raw(`${keysetPositionOf('created_at')} AS position`)])
        .where((where) => where.where('customer_id', customerId).orWhere('counterparty_id', customerId))
        .andWhereRaw(page.sql, page.bindings)
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit)) as Array<EntryRow & { position: string }>;
      const entries = await loadEntries(rows);
      return entries.map((entry, index) => ({ ...entry, position: rows[index]!.position }));
    },

    /**
     * The trial balance from the accounts: per currency, the debit balances and the credit
     * balances, which are equal when the books are (every account's balance is kept equal to its
     * postings by the database).
     */
    async trialBalance(): Promise<Array<{ currency: string; debits: string; credits: string }>> {
      const { rows } = await db.raw(`
        SELECT currency,
               coalesce(sum(net_debit) FILTER (WHERE net_debit > 0), 0)::text AS debits,
               coalesce(-sum(net_debit) FILTER (WHERE net_debit < 0), 0)::text AS credits
          FROM (SELECT currency, CASE WHEN normal_side = 'DEBIT' THEN balance_minor ELSE -balance_minor END AS net_debit
                  FROM ledger_accounts) a
         GROUP BY currency ORDER BY currency`);
      return rows as Array<{ currency: string; debits: string; credits: string }>;
    },
  };
}

export type LedgerRepository = ReturnType<typeof ledgerRepository>;
