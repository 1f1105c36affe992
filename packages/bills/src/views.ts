// The bill as callers see it: what the workflow's Updates and Query answer with. bill-service
// turns these into its proto messages; the worker builds them in one place
// (apps/worker/src/workflows/bill-views.ts).

export type BillStatus = 'OPEN' | 'CLOSING' | 'CLOSED' | 'FAILED';

export interface MoneyView {
  /** Major units as a decimal string with the currency's decimals: "10.50". */
  amount: string;
  currency: string;
}

export interface ExchangeRateView {
  rate: string;
  source: string;
  asOf: string;
  /** The stored `exchange_rates` row the conversion used (set by bill-service). */
  rateId?: string;
}

export interface LineItemView {
  id: string;
  idempotencyKey: string;
  description: string;
  quantity: string;
  unitPrice: MoneyView;
  amount: MoneyView;
  convertedAmount: MoneyView | null;
  exchangeRate: ExchangeRateView | null;
  metadata: Record<string, string>;
  addedAt: string;
}

export interface BillSummary {
  id: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  status: BillStatus;
  periodStart: string;
  periodEnd: string;
  itemCount: number;
  total: MoneyView;
  subtotalsByCurrency: MoneyView[];
  invoiceNumber: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}
