// A bill's ledger sums, read in the caller's transaction. bill-service shows what a CLOSED bill
// still owes and the worker writes it into the data of `bill.closed`, so the two share one query
// (and @billing/ledger's `amountDue`, one rule).
import type { Knex } from 'knex';
import type { BillSums } from '@billing/ledger';

/** Invoiced, paid and refunded per bill, for the bills named; a bill with no entries is absent. */
export async function billSums(trx: Knex, billIds: readonly string[]): Promise<Map<string, BillSums>> {
  if (billIds.length === 0) return new Map();
  const rows: Array<{ bill_id: string; invoiced: string; paid: string; refunded: string; credited: string }> = await trx('ledger_entries')
    .select('bill_id')
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'INVOICE'), 0)::text AS invoiced`))
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'PAYMENT'), 0)::text AS paid`))
    .select(trx.raw(`coalesce(sum(amount_minor) FILTER (WHERE type = 'REFUND'), 0)::text AS refunded`))
    .select(trx.raw(`(coalesce(sum(amount_minor) FILTER (WHERE type = 'CREDIT_NOTE'), 0)
                      - coalesce(sum(amount_minor) FILTER (WHERE type = 'CREDIT_NOTE_VOID'), 0))::text AS credited`))
    .whereIn('bill_id', [...billIds])
    .groupBy('bill_id');
  return new Map(rows.map((row) => [row.bill_id, {
    invoiced: BigInt(row.invoiced), paid: BigInt(row.paid), refunded: BigInt(row.refunded), credited: BigInt(row.credited),
  }]));
}
