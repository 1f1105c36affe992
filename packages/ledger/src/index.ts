export { NORMAL_SIDE, accountId, type AccountKind, type AccountRef, type Side } from './accounts.ts';
export {
  adjustmentPlan, collectionPlan, invoicePlan, ledgerKey, refundPlan, topUpPlan, transferPlan, walletPaymentPlan, withdrawalPlan,
  type AdjustableKind, type EntryPlan, type EntryType, type PaymentToRefund, type PlannedPosting,
} from './plans.ts';
export { amountDue, type BillSums } from './amount-due.ts';
export { LedgerRefusal, insufficientFunds, isLedgerRefusal, type LedgerRefusalReason } from './refusals.ts';
export {
  CreditNoteRefusal, OUT_OF_BAND_PROVIDER, creditLines, creditNoteNumber, creditNotePlan, creditNoteVoidPlan, creditSettlementPlans,
  isCreditNoteRefusal, refundAllocation, splitCredit,
  type CreditLine, type CreditNoteRef, type CreditNoteRefusalReason, type CreditNoteSettlement, type CreditRequest, type CreditableItem,
  type RefundablePayment,
} from './credit-notes.ts';
