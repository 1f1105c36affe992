// What the ledger says a bill still owes, from the bill's entries. bill-service shows it on every
// CLOSED bill and the worker writes it into the data of `bill.closed`, each reading in its own
// transaction, so the two agree on one rule and one query.
import type { Knex } from 'knex';

/** Sums of a bill's entries, in minor units of the bill's currency. */
export interface BillSums {
  invoiced: bigint;
  paid: bigint;
  refunded: bigint;
}

/** Invoiced, paid and refunded per bill, for the bills named; a bill with no entries is absent. */
export async function billSums(trx: Knex, billIds: readonly string[]): Promise<Map<string, BillSums>> {
  if (billIds.length === 0) return new Map();
  const rows: Array<{ bill_id: string; invoiced: string; paid: string; refunded: string }> = await trx('ledger_entries')
    .select('bill_id')
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'INVOICE'), 0)::text AS invoiced`))
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'PAYMENT'), 0)::text AS paid`))
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'REFUND'), 0)::text AS refunded`))
    .whereIn('bill_id', [...billIds])
    .groupBy('bill_id');
  return new Map(rows.map((row) => [row.bill_id, {
    invoiced: BigInt(row.invoiced), paid: BigInt(row.paid), refunded: BigInt(row.refunded),
  }]));
}

/** What a bill still owes: its invoice, less what was paid on it, plus what was refunded. */
export function amountDue(sums: BillSums): bigint {
  return sums.invoiced - sums.paid + sums.refunded;
}
