import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountKind, Direction, EntryType, PaymentSource } from '@billing/contracts';
import { metricsRegistry } from '@billing/runtime';
import { parsePrometheusText, sampleSum } from '@billing/runtime/testing';
import { newCustomer } from './support/bill-service.ts';
import { balancesAgainstPostings, startTestLedgerService, type TestLedgerService } from './support/ledger-service.ts';
import { failureOf } from './support/failure.ts';

let service: TestLedgerService;
beforeAll(() => {
  service = startTestLedgerService();
});
afterAll(async () => {
  await service?.close();
});

const usd = (amount: string) => ({ amount, currency: 'USD' });

async function balances(customerId: string): Promise<Record<string, string>> {
  const { accounts } = await service.ledger.listAccounts({ customerId });
  return Object.fromEntries(accounts.map((account) => [`${AccountKind[account.kind]} ${account.currency}`, account.balance?.amount ?? '']));
}

/**
 * A CLOSED bill as the bill workflow leaves it in the read model, with its invoice posted; or, with
 * `status` CLOSING, one whose invoice is posted and which is not yet marked CLOSED.
 */
async function closedBill(customerId: string, total: string, period = '2031-05', status: 'CLOSED' | 'CLOSING' = 'CLOSED'): Promise<string> {
  const id = `bill_${customerId}`;
  await service.db('bills').insert({
    id, customer_id: customerId, billing_period: period, currency: 'USD', time_zone: 'UTC', status,
    period_start: new Date('2031-05-01T00:00:00Z'), period_end: new Date('2031-06-01T00:00:00Z'), workflow_id: `wf-${id}`,
    closed_at: status === 'CLOSED' ? new Date() : null,
  });
  await service.ledger.postInvoice({ customerId, billId: id, total: usd(total) });
  return id;
}

describe('wallet operations', () => {
  it('top up, withdraw and transfer, with balances shown in each account’s normal direction', async () => {
    const alice = newCustomer('alice');
    const bob = newCustomer('bob');
    const topUp = await service.ledger.topUp({ customerId: alice, amount: usd('100.00'), idempotencyKey: 'k1' });
    expect(topUp.replayed).toBe(false);
    expect(topUp.entry).toMatchObject({
      type: EntryType.TOPUP, idempotencyKey: `topup:${alice}:k1`, customerId: alice,
      postings: [
        { accountId: 'acc_cash_USD', direction: Direction.DEBIT, amount: usd('100.00') },
        { accountId: `acc_wallet_USD_${alice}`, direction: Direction.CREDIT, amount: usd('100.00') },
      ],
    });
    await service.ledger.withdraw({ customerId: alice, amount: usd('12.34'), idempotencyKey: 'k2' });
    await service.ledger.transfer({ fromCustomerId: alice, toCustomerId: bob, amount: usd('7.66'), idempotencyKey: 'k3' });

    expect(await balances(alice)).toEqual({ 'WALLET USD': '80.00' });
    expect(await balances(bob)).toEqual({ 'WALLET USD': '7.66' });
    // The recipient sees the transfer among their entries too.
    const bobs = await service.ledger.listEntries({ customerId: bob });
    expect(bobs.entries.map((entry) => EntryType[entry.type])).toEqual(['TRANSFER']);
  });

  it('list a customer\'s accounts a page at a time, by currency then kind, each once', async () => {
    const customerId = newCustomer('pages');
    for (const currency of ['EUR', 'USD', 'JPY']) {
      await service.ledger.topUp({ customerId, amount: { amount: currency === 'JPY' ? '100' : '1.00', currency }, idempotencyKey: `p-${currency}` });
    }
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await service.ledger.listAccounts({ customerId, limit: 1, cursor });
      expect(page.accounts.length).toBe(1);
      seen.push(...page.accounts.map((account) => `${account.currency} ${AccountKind[account.kind]}`));
      cursor = page.nextCursor ?? '';
    } while (cursor !== '');
    expect(seen).toEqual(['EUR WALLET', 'JPY WALLET', 'USD WALLET']);
    expect((await service.ledger.listAccounts({ customerId, limit: 2 })).nextCursor).toBeDefined();
    await expect(service.ledger.listAccounts({ customerId, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(/cursor/);
  });

  it('answer a repeated key with the first entry and change nothing, even when the request differs', async () => {
    const customerId = newCustomer('replay');
    const first = await service.ledger.topUp({ customerId, amount: usd('5.00'), idempotencyKey: 'same' });
    const again = await service.ledger.topUp({ customerId, amount: usd('5.00'), idempotencyKey: 'same' });
    const other = await service.ledger.topUp({ customerId, amount: usd('900.00'), idempotencyKey: 'same' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(other.entry).toEqual(first.entry);
    // The key belongs to its operation and customer: a withdrawal with it is a new entry.
    const withdrawal = await service.ledger.withdraw({ customerId, amount: usd('1.00'), idempotencyKey: 'same' });
    expect(withdrawal.replayed).toBe(false);
    expect(await balances(customerId)).toEqual({ 'WALLET USD': '4.00' });
  });

  it('refuse an overdraft with failed_precondition, and posts nothing', async () => {
    const customerId = newCustomer('short');
    await service.ledger.topUp({ customerId, amount: usd('10.00'), idempotencyKey: 'in' });
    const failure = await failureOf(service.ledger.withdraw({ customerId, amount: usd('10.01'), idempotencyKey: 'out' }));
    expect(failure.code).toBe(Code.FailedPrecondition);
    expect(failure.rawMessage).toBe(`insufficient funds: the USD wallet of customer ${customerId} holds less than 10.01`);
    const transfer = await failureOf(service.ledger.transfer({
      fromCustomerId: customerId, toCustomerId: newCustomer('x'), amount: usd('11.00'), idempotencyKey: 't',
    }));
    expect(transfer.code).toBe(Code.FailedPrecondition);
    expect(await balances(customerId)).toEqual({ 'WALLET USD': '10.00' });
  });

  it('lets exactly as many of 100 concurrent withdrawals through as the wallet covers, batched or not', async () => {
    const customerId = newCustomer('race');
    await service.ledger.topUp({ customerId, amount: usd('37.00'), idempotencyKey: 'in' });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, index) =>
      service.ledger.withdraw({ customerId, amount: usd('1.00'), idempotencyKey: `w${index}` })));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.length - refused.length).toBe(37);
    for (const outcome of refused) expect(ConnectError.from((outcome as PromiseRejectedResult).reason).code).toBe(Code.FailedPrecondition);
    expect(await balances(customerId)).toEqual({ 'WALLET USD': '0.00' });
  });

  it('hold registered units exactly, and refuse amounts finer than a currency allows', async () => {
    const customerId = newCustomer('units');
    await service.ledger.topUp({ customerId, amount: { amount: '1.000000000000000001', currency: 'ETH' }, idempotencyKey: 'eth' });
    await service.ledger.topUp({ customerId, amount: { amount: '1500', currency: 'POINTS' }, idempotencyKey: 'pts' });
    expect(await balances(customerId)).toEqual({ 'WALLET ETH': '1.000000000000000001', 'WALLET POINTS': '1500' });
    const tooFine = await failureOf(service.ledger.topUp({ customerId, amount: usd('1.005'), idempotencyKey: 'fine' }));
    expect(tooFine.code).toBe(Code.InvalidArgument);
    expect(tooFine.rawMessage).toMatch(/^amount: .*1\.005.* USD allows 2/);
    const unknown = await failureOf(service.ledger.topUp({ customerId, amount: { amount: '1', currency: 'XYZ' }, idempotencyKey: 'x' }));
    expect(unknown.code).toBe(Code.InvalidArgument);
    const negative = await failureOf(service.ledger.topUp({ customerId, amount: usd('-1.00'), idempotencyKey: 'neg' }));
    expect(negative.code).toBe(Code.InvalidArgument);
  });
});

describe('bills in the ledger', () => {
  it('invoice a closed bill once, pay what is owed from the wallet, refund part of it', async () => {
    const customerId = newCustomer('payer');
    const billId = await closedBill(customerId, '42.50');
    const again = await service.ledger.postInvoice({ customerId, billId, total: usd('42.50') });
    expect(again.replayed).toBe(true);
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '42.50' });

    const short = await failureOf(service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: 'p0' }));
    expect(short.code).toBe(Code.FailedPrecondition);

    await service.ledger.topUp({ customerId, amount: usd('50.00'), idempotencyKey: 'in' });
    const payment = await service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: 'p1' });
    expect(payment.entry).toMatchObject({ type: EntryType.PAYMENT, reference: billId });
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '0.00', 'WALLET USD': '7.50' });
    const nothing = await failureOf(service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: 'p2' }));
    expect(nothing.code).toBe(Code.FailedPrecondition);
    expect(nothing.rawMessage).toBe('nothing is owed on the bill for 2031-05');

    const paymentId = payment.entry?.id ?? '';
    const refund = await service.ledger.refund({ customerId, paymentEntryId: paymentId, amount: usd('10.00'), idempotencyKey: 'r1' });
    expect(refund.entry).toMatchObject({ type: EntryType.REFUND, reference: paymentId });
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '10.00', 'WALLET USD': '17.50' });
    const tooMuch = await failureOf(service.ledger.refund({ customerId, paymentEntryId: paymentId, amount: usd('32.51'), idempotencyKey: 'r2' }));
    expect(tooMuch.code).toBe(Code.FailedPrecondition);
    expect(tooMuch.rawMessage).toBe(`a refund of 32.51 USD is more than the 32.50 USD left to refund on payment ${paymentId}`);
    // Without an amount, a refund gives back everything left.
    await service.ledger.refund({ customerId, paymentEntryId: paymentId, idempotencyKey: 'r3' });
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '42.50', 'WALLET USD': '50.00' });
    const other = await failureOf(service.ledger.refund({ customerId: newCustomer('thief'), paymentEntryId: paymentId, idempotencyKey: 'r4' }));
    expect(other.code).toBe(Code.NotFound);
  });

  it('answers a payment on a CLOSING bill unavailable, posting nothing, and pays it under the same key once it is CLOSED', async () => {
    const customerId = newCustomer('early');
    const billId = await closedBill(customerId, '12.00', '2031-05', 'CLOSING');
    await service.ledger.topUp({ customerId, amount: usd('20.00'), idempotencyKey: 'in' });
    const early = await failureOf(service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: 'p1' }));
    expect(early.code).toBe(Code.Unavailable);
    expect(early.rawMessage).toBe('the bill for 2031-05 is CLOSING; it can be paid once CLOSED, retry shortly');
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '12.00', 'WALLET USD': '20.00' });

    await service.db('bills').where({ id: billId }).update({ status: 'CLOSED', closed_at: new Date() });
    const paid = await service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: 'p1' });
    expect(paid).toMatchObject({ replayed: false, entry: { type: EntryType.PAYMENT, reference: billId } });
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '0.00', 'WALLET USD': '8.00' });
  });

  it('pays a bill once when many payments race with different keys', async () => {
    const customerId = newCustomer('racer');
    await closedBill(customerId, '30.00');
    await service.ledger.topUp({ customerId, amount: usd('1000.00'), idempotencyKey: 'in' });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) =>
      service.ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: `p${index}` })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(await balances(customerId)).toEqual({ 'RECEIVABLE USD': '0.00', 'WALLET USD': '970.00' });
  });

  it('books a mandate collection against its bill', async () => {
    const customerId = newCustomer('mandated');
    const { entry } = await service.ledger.recordCollection({
      customerId, billId: 'bill_x', amount: usd('25.00'), provider: 'simulator', idempotencyKey: 'mandate:mnd_1:1', paymentReference: 'sim_1',
    });
    expect(entry).toMatchObject({
      type: EntryType.PAYMENT, idempotencyKey: 'mandate:mnd_1:1', reference: 'sim_1',
      postings: [
        { accountId: 'acc_external_USD_simulator', direction: Direction.DEBIT, amount: usd('25.00') },
        { accountId: `acc_receivable_USD_${customerId}`, direction: Direction.CREDIT, amount: usd('25.00') },
      ],
    });
  });
});

describe('the books', () => {
  it('keep the trial balance at zero and every balance equal to its postings', async () => {
    const { lines } = await service.ledger.getTrialBalance({});
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.debits?.amount).toBe(line.credits?.amount);
    for (const account of await balancesAgainstPostings(service.db)) expect(account.balance).toBe(account.fromPostings);
  });
});

describe('refunds in the payment currency', () => {
  it('read an amount without a currency in the payment’s currency, with its exactness rules', async () => {
    const customerId = newCustomer('implicit');
    await closedBill(customerId, '20.00', '2031-07');
    await service.ledger.topUp({ customerId, amount: usd('20.00'), idempotencyKey: 'in' });
    const { entry } = await service.ledger.payBill({ customerId, billingPeriod: '2031-07', source: PaymentSource.WALLET, idempotencyKey: 'p' });
    const paymentEntryId = entry?.id ?? '';
    const refund = await service.ledger.refund({ customerId, paymentEntryId, amount: { amount: '2.50', currency: '' }, idempotencyKey: 'r' });
    expect(refund.entry?.postings[0]?.amount).toMatchObject(usd('2.50'));
    const tooFine = await failureOf(service.ledger.refund({ customerId, paymentEntryId, amount: { amount: '0.001', currency: '' }, idempotencyKey: 'r2' }));
    expect(tooFine.code).toBe(Code.InvalidArgument);
    expect(tooFine.rawMessage).toMatch(/^amount: .*USD allows 2/);
  });
});

describe('PostEntries', () => {
  it('answers each operation as its single call would, in order, one refusal failing nothing else', async () => {
    const a = newCustomer('batch-a');
    const b = newCustomer('batch-b');
    const { results } = await service.ledger.postEntries({
      operations: [
        { operation: { case: 'topUp', value: { customerId: a, amount: usd('50.00'), idempotencyKey: 'in' } } },
        { operation: { case: 'transfer', value: { fromCustomerId: a, toCustomerId: b, amount: usd('20.00'), idempotencyKey: 't1' } } },
        { operation: { case: 'withdrawal', value: { customerId: b, amount: usd('99.00'), idempotencyKey: 'w1' } } },
        { operation: { case: 'topUp', value: { customerId: a, amount: usd('1.001'), idempotencyKey: 'bad' } } },
        { operation: { case: 'adjustment', value: {
          customerId: b, accountKind: AccountKind.WALLET, direction: Direction.CREDIT, amount: usd('5.00'), reason: 'goodwill', idempotencyKey: 'g',
        } } },
        { operation: { case: 'topUp', value: { customerId: a, amount: usd('50.00'), idempotencyKey: 'in' } } },
      ],
    });
    expect(results.map((result) => result.result.case === 'entry' ? EntryType[result.result.value.type] : result.result.value?.code)).toEqual([
      'TOPUP', 'TRANSFER', 'failed_precondition', 'invalid_argument', 'ADJUSTMENT', 'TOPUP',
    ]);
    // The same key twice in one call is one entry.
    const first = results[0]?.result.value;
    expect(results[5]?.result.value).toEqual(first);
    expect(await balances(a)).toEqual({ 'WALLET USD': '30.00' });
    expect(await balances(b)).toEqual({ 'WALLET USD': '25.00' });
    // Sent again, every accepted operation answers its first entry and nothing moves.
    const again = await service.ledger.postEntries({
      operations: [{ operation: { case: 'transfer', value: { fromCustomerId: a, toCustomerId: b, amount: usd('20.00'), idempotencyKey: 't1' } } }],
    });
    expect(again.results[0]).toMatchObject({ replayed: true, result: { case: 'entry', value: results[1]?.result.value } });
    expect(await balances(a)).toEqual({ 'WALLET USD': '30.00' });
  });

  it('takes 1 to 1,000 operations', async () => {
    expect((await failureOf(service.ledger.postEntries({ operations: [] }))).code).toBe(Code.InvalidArgument);
    const tooMany = Array.from({ length: 1_001 }, (_, index) => ({
      operation: { case: 'topUp' as const, value: { customerId: 'x', amount: usd('1.00'), idempotencyKey: `k${index}` } },
    }));
    expect((await failureOf(service.ledger.postEntries({ operations: tooMany }))).code).toBe(Code.InvalidArgument);
  });
});

describe('ledger metrics', () => {
  it('count each committed entry once by type: not a replayed key, not a refusal', async () => {
    const posted = async (type: string) =>
      sampleSum(parsePrometheusText(await metricsRegistry.metrics()), 'billing_ledger_entries_posted_total', { type });
    const before = { TOPUP: await posted('TOPUP'), WITHDRAWAL: await posted('WITHDRAWAL'), INVOICE: await posted('INVOICE'), PAYMENT: await posted('PAYMENT') };
    const customerId = newCustomer('counted');

    await service.ledger.topUp({ customerId, amount: usd('20.00'), idempotencyKey: 'once' });
    await service.ledger.topUp({ customerId, amount: usd('20.00'), idempotencyKey: 'once' });
    await failureOf(service.ledger.withdraw({ customerId, amount: usd('99.00'), idempotencyKey: 'too-much' }));
    await closedBill(customerId, '15.00', '2031-07');
    // A wallet payment is posted under the bill's lock, apart from the batched writer: counted all the same.
    await service.ledger.payBill({ customerId, billingPeriod: '2031-07', source: PaymentSource.WALLET, idempotencyKey: 'pay' });
    await service.ledger.payBill({ customerId, billingPeriod: '2031-07', source: PaymentSource.WALLET, idempotencyKey: 'pay' });

    expect({
      TOPUP: await posted('TOPUP') - before.TOPUP,
      WITHDRAWAL: await posted('WITHDRAWAL') - before.WITHDRAWAL,
      INVOICE: await posted('INVOICE') - before.INVOICE,
      PAYMENT: await posted('PAYMENT') - before.PAYMENT,
    }).toEqual({ TOPUP: 1, WITHDRAWAL: 0, INVOICE: 1, PAYMENT: 1 });
  });
});
