// The port the workflows' activities post into the ledger through, and its gRPC implementation
// over bill-service's billing.v1.LedgerService. Both calls are idempotent on the ledger's side (an
// invoice by its bill id, a collection by its key), so an activity retried after a post whose
// answer was lost gets the first entry back and books nothing twice.
import { LedgerService } from '@billing/contracts';
import type { MoneyView } from '@billing/bills';
import { createClient, type Client, type Transport } from '@connectrpc/connect';

export interface InvoicePosting {
  customerId: string;
  billId: string;
  /** The bill's locked total, a decimal in the bill's currency. */
  total: MoneyView;
}

export interface CollectionPayment {
  customerId: string;
  /** The bill the collection was added to as a line item. */
  billId: string;
  amount: MoneyView;
  /** The payment provider that collected it: its external account is where the money now is. */
  provider: string;
  /** The collection's key, `mandate:{id}:{cycle}`. */
  idempotencyKey: string;
  /** The provider's reference for the charge. */
  paymentReference: string;
}

export interface PostedEntry {
  entryId: string;
  /** The key was posted before: this is that first entry, and nothing new was booked. */
  replayed: boolean;
}

export interface LedgerPostingPort {
  /** Null when the total is zero: a bill that owes nothing posts no entry. */
  postInvoice(invoice: InvoicePosting): Promise<PostedEntry | null>;
  recordCollection(payment: CollectionPayment): Promise<PostedEntry>;
}

/** Over the process's one connection to bill-service (main.ts), shared by every activity; its owner closes it. */
export function grpcLedgerPosting(billService: Transport): LedgerPostingPort {
  const ledger: Client<typeof LedgerService> = createClient(LedgerService, billService);
  return {
    async postInvoice(invoice) {
      const response = await ledger.postInvoice({ customerId: invoice.customerId, billId: invoice.billId, total: invoice.total });
      return response.entry ? { entryId: response.entry.id, replayed: response.replayed } : null;
    },
    async recordCollection(payment) {
      const response = await ledger.recordCollection({
        customerId: payment.customerId, billId: payment.billId, amount: payment.amount, provider: payment.provider,
        idempotencyKey: payment.idempotencyKey, paymentReference: payment.paymentReference,
      });
      if (!response.entry) throw new Error(`the ledger answered collection ${payment.idempotencyKey} without its entry`);
      return { entryId: response.entry.id, replayed: response.replayed };
    },
  };
}
