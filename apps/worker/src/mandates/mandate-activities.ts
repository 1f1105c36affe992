// The mandate workflow's side effects: the read model, the payment provider, notifications, the
// customer's bill and the ledger, each through a port given to the factory, so tests and the
// benchmark can replace one (bill posting and the ledger, when no bill-service runs) and keep the
// others real.
import type { Db } from '@billing/db';
import { MANDATE_FAILURE_TYPES } from '@billing/mandates';
import { parseMoney } from '@billing/money';
import { ApplicationFailure } from '@temporalio/common';
import type { MoneyView } from '@billing/bills';
import type { BillPostingPort, CollectionPosting, PostedCollection } from '../mandates/bill-posting.ts';
import type { LedgerPostingPort } from '../ledger/ledger-posting.ts';
import { collectionMetrics } from './mandate-metrics.ts';
import { setCollectionBill, writeMandate, type MandateWrite } from './mandate-repository.ts';
import type { MandateNotification, NotificationPort } from './notifications.ts';
import type { ChargeRequest, ChargeResult, PaymentProvider } from './payments.ts';
import type { MandateSettings } from '../workflows/mandate-plan.ts';

export interface MandateActivityDependencies {
  db: Db;
  payments: PaymentProvider;
  notifications: NotificationPort;
  bills: BillPostingPort;
  ledger: LedgerPostingPort;
  settings: MandateSettings;
}

export interface CollectionPaymentRecord {
  customerId: string;
  /** The bill postCollectionToBill put the collection on. */
  billId: string;
  amount: MoneyView;
  /** The collection's key, `mandate:{id}:{cycle}`: the ledger books one payment per key. */
  idempotencyKey: string;
  /** The charge's reference at the provider. */
  paymentReference: string;
}

export function createMandateActivities({ db, payments, notifications, bills, ledger, settings }: MandateActivityDependencies) {
  const collections = collectionMetrics();
  return {
    /** The worker's dunning schedule and approval window: read by each run at its start. */
    async mandateSettings(): Promise<MandateSettings> {
      return settings;
    },

    /** Writes the mandate and its changed collections; an older revision never replaces a newer one. */
    async recordMandate(write: MandateWrite): Promise<void> {
      await writeMandate(db, write);
    },

    async sendMandateNotification(notification: MandateNotification): Promise<void> {
      await notifications.send(notification);
    },

    /** One attempt at a cycle's charge; a decline is an answer, a transient failure is thrown and retried. */
    async chargeCollection(request: Omit<ChargeRequest, 'amountMinor'> & { amount: string }): Promise<ChargeResult> {
      const { amount, ...rest } = request;
      let amountMinor: string;
      try {
        amountMinor = parseMoney(amount, request.currency, { positive: true }).minor.toString();
      } catch (error) {
        throw ApplicationFailure.create({ type: MANDATE_FAILURE_TYPES.invalidArgument, nonRetryable: true, message: String(error) });
      }
      const result = await payments.charge({ ...rest, amountMinor });
      (result.outcome === 'SUCCEEDED' ? collections.collectionsSucceeded : collections.collectionsFailed).inc();
      return result;
    },

    /** Puts a successful collection on the customer's bill and records which bill took it. */
    async postCollectionToBill(collection: CollectionPosting): Promise<PostedCollection> {
      const posted = await bills.post(collection);
      await setCollectionBill(db, collection.mandateId, collection.cycle, posted.billId);
      return posted;
    },

    /**
     * Books the collection in the ledger as a PAYMENT of its bill: the provider now holds the
     * money, the customer owes that much less. The provider is this worker's payment port, the
     * one that charged it.
     */
    async recordCollectionPayment(payment: CollectionPaymentRecord): Promise<{ entryId: string }> {
      const posted = await ledger.recordCollection({ ...payment, provider: payments.name });
      return { entryId: posted.entryId };
    },
  };
}

export type MandateActivities = ReturnType<typeof createMandateActivities>;
