import { Code } from '@connectrpc/connect';
import { LedgerRefusal, insufficientFunds, transferPlan, type LedgerRefusalReason } from '@billing/ledger';
import { Money } from '@billing/money';
import { describe, expect, it } from 'vitest';
import { answerTo } from '../../test/support/mapped-answer.ts';
import { LEDGER_REFUSAL_CODES, ledgerErrors } from './ledger-errors.ts';

describe('ledger refusals, through the server interceptor', () => {
  it.each<[LedgerRefusalReason, string, Code]>([
    ['unknown-bill', 'customer cus-1 has no bill for 2030-01', Code.NotFound],
    ['unknown-payment', 'customer cus-1 has no payment ent_1', Code.NotFound],
    ['invalid-amount', 'amount: must be positive', Code.InvalidArgument],
    ['refund-currency-mismatch', 'amount: payment ent_1 was made in USD, not EUR', Code.InvalidArgument],
    ['bill-not-closed', 'the bill for 2030-01 is OPEN; only a CLOSED bill can be paid', Code.FailedPrecondition],
    ['bill-closing', 'the bill for 2030-01 is CLOSING; it can be paid once CLOSED, retry shortly', Code.Unavailable],
    ['nothing-owed', 'nothing is owed on the bill for 2030-01', Code.FailedPrecondition],
    ['refunded-in-full', 'payment ent_1 is already refunded in full', Code.FailedPrecondition],
    ['refund-exceeds-payment', 'a refund of 5.00 USD is more than the 1.00 USD left to refund on payment ent_1', Code.FailedPrecondition],
  ])('answers %s with its own message', async (reason, message, code) => {
    expect(await answerTo(new LedgerRefusal(reason, message), { serviceMappers: [ledgerErrors] })).toMatchObject({ code, message });
  });

  it('answers an overdraft as failed_precondition naming the wallet, and logs nothing', async () => {
    const refusal = insufficientFunds(transferPlan('cus-1', 'cus-2', Money.fromMinor(500n, 'USD'), 'k'), new Error('check constraint'));
    const answered = await answerTo(refusal, { serviceMappers: [ledgerErrors] });
    expect(answered).toMatchObject({
      code: Code.FailedPrecondition, message: 'insufficient funds: the USD wallet of customer cus-1 holds less than 5.00',
    });
    expect(answered.logged).toBeUndefined();
  });

  it('gives every refusal a caller\'s code, never a fault\'s; only a bill still closing is retryable', () => {
    const callerCodes = new Set([Code.NotFound, Code.InvalidArgument, Code.FailedPrecondition]);
    const retryable = Object.entries(LEDGER_REFUSAL_CODES).filter(([, code]) => !callerCodes.has(code));
    expect(retryable).toEqual([['bill-closing', Code.Unavailable]]);
  });

  it('knows nothing of other errors', () => {
    expect(ledgerErrors(new Error('insufficient funds'))).toBeUndefined();
  });
});
