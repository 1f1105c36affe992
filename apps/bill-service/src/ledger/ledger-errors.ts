import { Code } from '@connectrpc/connect';
import { isLedgerRefusal, type LedgerRefusalReason } from '@billing/ledger';
import type { ErrorMapper } from '@billing/grpc-kit';

/** The code a caller gets for each reason the ledger refuses an operation; its message is kept. */
export const LEDGER_REFUSAL_CODES: Readonly<Record<LedgerRefusalReason, Code>> = {
  'unknown-bill': Code.NotFound,
  'unknown-payment': Code.NotFound,
  'invalid-amount': Code.InvalidArgument,
  'refund-currency-mismatch': Code.InvalidArgument,
  'bill-not-closed': Code.FailedPrecondition,
  // Unavailable, not a refusal: no Idempotency-Key keeps it, and a retry pays once the bill is CLOSED.
  'bill-closing': Code.Unavailable,
  'nothing-owed': Code.FailedPrecondition,
  'refunded-in-full': Code.FailedPrecondition,
  'refund-exceeds-payment': Code.FailedPrecondition,
  'insufficient-funds': Code.FailedPrecondition,
};

/** What LedgerService's refusals mean to its callers (a batch's refused operations use it too). */
export const ledgerErrors: ErrorMapper = (error) => {
  if (!isLedgerRefusal(error)) return undefined;
  return { code: LEDGER_REFUSAL_CODES[error.reason], message: error.message };
};
