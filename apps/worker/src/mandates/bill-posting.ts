// The port a successful collection reaches the customer's monthly bill through, and its gRPC
// implementation over bill-service's billing.v1.BillService. The line item's idempotency key is
// the collection's key, so a retried post adds it once.
import { BillService } from '@billing/contracts';
import { Code, ConnectError, createClient, type Client, type Transport } from '@connectrpc/connect';
import { localDateAt } from '@billing/calendar';

export interface CollectionPosting {
  mandateId: string;
  customerId: string;
  cycle: number;
  /** `YYYY-MM-DD`, local to the mandate's time zone. */
  dueDate: string;
  description: string;
  amount: string;
  currency: string;
  timeZone: string;
  idempotencyKey: string;
}

export interface PostedCollection {
  billId: string;
  billingPeriod: string;
}

export interface BillPostingPort {
  post(collection: CollectionPosting): Promise<PostedCollection>;
}

const DESCRIPTION_MAX_CHARS = 500;

/** What the item says it pays, so it reads right on whichever bill it lands. */
export function itemDescription(collection: CollectionPosting): string {
  const text = `${collection.description} (mandate ${collection.mandateId}, cycle ${collection.cycle}, due ${collection.dueDate})`;
  const chars = [...text];
  return chars.length <= DESCRIPTION_MAX_CHARS ? text : `${chars.slice(0, DESCRIPTION_MAX_CHARS - 1).join('')}…`;
}

function period(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}`;
}

/**
 * The bills an item may go on, in order: the one for its due date's period, then (when that one
 * is closed or its period ended before it existed) the customer's current period, then the next.
 */
export function candidatePeriods(dueDate: string, now: Date, timeZone: string): string[] {
  const today = localDateAt(now, timeZone);
  const current = period(today.year, today.month);
  const next = today.month === 12 ? period(today.year + 1, 1) : period(today.year, today.month + 1);
  return [...new Set([dueDate.slice(0, 7), current, next])];
}

/** Over the process's one connection to bill-service (main.ts), which its owner closes. */
export function grpcBillPosting(billService: Transport, now: () => Date = () => new Date()): BillPostingPort {
  const bills: Client<typeof BillService> = createClient(BillService, billService);

  /** Adds the item to the bill of `billingPeriod`; undefined when that bill takes no items. */
  async function addTo(collection: CollectionPosting, billingPeriod: string, create = true): Promise<PostedCollection | undefined> {
    try {
      const response = await bills.addLineItem({
        customerId: collection.customerId, billingPeriod, idempotencyKey: collection.idempotencyKey,
        description: itemDescription(collection), amount: collection.amount, currency: collection.currency,
        metadata: { mandateId: collection.mandateId, cycle: String(collection.cycle), dueDate: collection.dueDate },
      });
      return { billId: response.bill?.id ?? '', billingPeriod };
    } catch (error) {
      const code = error instanceof ConnectError ? error.code : undefined;
      if (code === Code.NotFound && create) {
        try {
          await bills.createBill({ customerId: collection.customerId, billingPeriod, currency: collection.currency, timeZone: collection.timeZone });
        } catch (createError) {
          const createCode = createError instanceof ConnectError ? createError.code : undefined;
          // Its period has ended: no bill can be opened for it any more.
          if (createCode === Code.InvalidArgument) return undefined;
          if (createCode !== Code.AlreadyExists) throw createError;
        }
        return addTo(collection, billingPeriod, false);
      }
      if (code === Code.FailedPrecondition) return alreadyOn(collection, billingPeriod);
      throw error;
    }
  }

  /** A closed bill may hold the item from an earlier attempt that was not recorded: then that is its bill. */
  async function alreadyOn(collection: CollectionPosting, billingPeriod: string): Promise<PostedCollection | undefined> {
    const { bill } = await bills.getBill({ customerId: collection.customerId, billingPeriod });
    const found = bill?.items.some((item) => item.idempotencyKey === collection.idempotencyKey);
    return found && bill ? { billId: bill.id, billingPeriod } : undefined;
  }

  return {
    async post(collection) {
      for (const billingPeriod of candidatePeriods(collection.dueDate, now(), collection.timeZone)) {
        const posted = await addTo(collection, billingPeriod);
        if (posted) return posted;
      }
      throw new Error(`no open bill takes ${collection.idempotencyKey} for customer ${collection.customerId}`);
    },
  };
}
