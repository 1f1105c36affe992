// Bills to billing.v1 messages. A bill reaches bill-service in two shapes, a read-model row (reads)
// and the workflow's view (the answer to an add); rows are first turned into the workflow's view
// shapes (`BillSummary`, and `LineItemView` by the same `lineItemView` of @billing/bills the
// workflow uses), and the views become messages in @billing/resources, the one mapping the worker
// also uses for the data of `bill.*` events.
import { BillStatus, type Bill, type LineItem } from '@billing/contracts';
import { billSummaryOfRow, lineItemView, type BillStatus as BillStatusName } from '@billing/bills';
import { billMessage, lineItemMessage } from '@billing/resources';
import type { BillRow, LineItemRow } from './bills-repository.ts';

/** The status a list filter asks for; undefined for "any". */
export function billStatusName(status: BillStatus): BillStatusName | undefined {
  const name = BillStatus[status] as keyof typeof BillStatus | undefined;
  return name === undefined || name === 'UNSPECIFIED' ? undefined : name;
}

/** A stored item of a bill in `billCurrency`. */
export function lineItemMessageOfRow(row: LineItemRow, billCurrency: string): LineItem {
  return lineItemMessage(lineItemView(row, billCurrency));
}

/** A stored bill with the items given (none for lists). */
export function billMessageOfRows(row: BillRow, items: readonly LineItemRow[] = [], amountDueMinor = 0n): Bill {
  return billMessage(billSummaryOfRow(row), items.map((item) => lineItemView(item, row.currency)), amountDueMinor);
}
