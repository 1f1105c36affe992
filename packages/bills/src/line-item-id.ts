// A line item's id, named by what identifies the item rather than drawn at random: the bill it is
// on and its idempotency key, which the bill accepts once. Run again for the same item (a replay
// after a worker restart, a retried write) it gives the same id, whatever else the workflow drew
// from its random numbers meanwhile (docs/bills.md).
import { v5 as uuidv5 } from 'uuid';

/** The namespace of line item ids (a UUID chosen once; changing it would change every id). */
const LINE_ITEM_NAMESPACE = 'a2890f17-67c9-42ff-9eba-144635ccdfca';

/** `li_` and 32 hex digits, a name-based UUID (v5) of the bill id and the idempotency key. */
export function lineItemId(billId: string, idempotencyKey: string): string {
  // JSON of the pair, so no two pairs share a name (`a|b` + `c` against `a` + `b|c`).
  return `li_${uuidv5(JSON.stringify([billId, idempotencyKey]), LINE_ITEM_NAMESPACE).replaceAll('-', '')}`;
}
