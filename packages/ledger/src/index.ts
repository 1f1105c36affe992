export { NORMAL_SIDE, accountId, type AccountKind, type AccountRef, type Side } from './accounts.ts';
export {
  adjustmentPlan, collectionPlan, invoicePlan, ledgerKey, refundPlan, topUpPlan, transferPlan, walletPaymentPlan, withdrawalPlan,
  type AdjustableKind, type EntryPlan, type EntryType, type PaymentToRefund, type PlannedPosting,
} from './plans.ts';
export { amountDue, type BillSums } from './amount-due.ts';
export { LedgerRefusal, insufficientFunds, isLedgerRefusal, type LedgerRefusalReason } from './refusals.ts';
