// What a bill still owes, from the sums of its ledger entries. bill-service shows it on every
// CLOSED bill, pays it from a wallet, and the worker writes it into the data of `bill.closed`:
// one rule for all three (the sums themselves are one query in @billing/db).

/** Sums of a bill's entries, in minor units of the bill's currency. */
export interface BillSums {
  invoiced: bigint;
  paid: bigint;
  refunded: bigint;
  /** What its issued credit notes took back (credit notes less their voids). */
  credited: bigint;
}

/**
 * What a bill still owes: its invoice, less what was paid on it, plus what was refunded, less
 * what credit notes took back (a credit note's settlement is a refund, so it counts there).
 */
export function amountDue(sums: BillSums): bigint {
  return sums.invoiced - sums.paid + sums.refunded - sums.credited;
}
