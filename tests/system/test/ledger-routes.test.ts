import { describe, expect, it } from 'vitest';
import { call, newCustomer } from './bills-api.ts';
import { balances, sumsOf, topUp, walletPath, type Entry, type Page } from './ledger-api.ts';

// The wallet and ledger routes through the real gateway, bill-service (LedgerService) and
// PostgreSQL: the books each operation leaves, read back through the same API.

describe('wallets through the real gateway and ledger', () => {
  it('tops up a wallet: a balanced TOPUP entry, and the wallet shows the amount in its normal direction', async () => {
    const customer = newCustomer('topup');
    const entry = await topUp(customer, '25.00', 'USD', `${customer}-t1`);
    // The ledger's own key for the entry: the operation, the customer and the Idempotency-Key.
    expect(entry).toMatchObject({ type: 'TOPUP', idempotencyKey: `topup:${customer}:${customer}-t1`, reference: null });
    expect(entry.id).toMatch(/^ent_/);
    expect(entry.postings).toHaveLength(2);
    expect(entry.postings.every((posting) => posting.amount.amount === '25.00' && posting.amount.currency === 'USD')).toBe(true);
    expect(sumsOf(entry).debits).toBe(sumsOf(entry).credits);
    expect(entry.postings.find((posting) => posting.direction === 'CREDIT')?.accountId).toContain(customer);
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '25.00', currency: 'USD' });
  });

  it('replays a top-up retried with the same Idempotency-Key: the same entry, money added once', async () => {
    const customer = newCustomer('replay');
    const key = `${customer}-once`;
    const first = await topUp(customer, '10.00', 'USD', key);
    const again = await call<Entry>('POST', `${walletPath(customer)}/top-ups`, { body: { amount: '10.00', currency: 'USD' }, key });
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '10.00', currency: 'USD' });
    const other = await call<{ code: string }>('POST', `${walletPath(customer)}/top-ups`, { body: { amount: '11.00', currency: 'USD' }, key });
    expect(other.status).toBe(422);
  });

  it('withdraws what the wallet holds, and answers 409 failed_precondition for more, leaving the balance as it was', async () => {
    const customer = newCustomer('withdraw');
    await topUp(customer, '30.00');
    const taken = await call<Entry>('POST', `${walletPath(customer)}/withdrawals`, { body: { amount: '12.50', currency: 'USD' } });
    expect(taken.status, taken.text).toBe(201);
    expect(taken.json.type).toBe('WITHDRAWAL');
    const tooMuch = await call<{ code: string }>('POST', `${walletPath(customer)}/withdrawals`, { body: { amount: '17.51', currency: 'USD' } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.json.code).toBe('failed_precondition');
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '17.50', currency: 'USD' });
    const all = await call('POST', `${walletPath(customer)}/withdrawals`, { body: { amount: '17.50', currency: 'USD' } });
    expect(all.status).toBe(201);
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '0.00', currency: 'USD' });
  });

  it('transfers between two wallets, and refuses a transfer the paying wallet cannot cover', async () => {
    const [from, to] = [newCustomer('from'), newCustomer('to')];
    await topUp(from, '100', 'POINTS');
    const moved = await call<Entry>('POST', '/v1/transfers', { body: { fromCustomerId: from, toCustomerId: to, amount: '40', currency: 'POINTS' } });
    expect(moved.status, moved.text).toBe(201);
    expect(moved.json.type).toBe('TRANSFER');
    expect((await balances(from))['wallet POINTS']).toEqual({ amount: '60', currency: 'POINTS' });
    expect((await balances(to))['wallet POINTS']).toEqual({ amount: '40', currency: 'POINTS' });
    const short = await call<{ code: string }>('POST', '/v1/transfers', { body: { fromCustomerId: to, toCustomerId: from, amount: '41', currency: 'POINTS' } });
    expect(short.status).toBe(409);
    expect(short.json.code).toBe('failed_precondition');
  });

  it('carries 18 decimals of ETH exactly', async () => {
    const customer = newCustomer('eth');
    await topUp(customer, '0.123456789012345678', 'ETH');
    await topUp(customer, '0.000000000000000001', 'ETH');
    expect((await balances(customer))['wallet ETH']).toEqual({ amount: '0.123456789012345679', currency: 'ETH' });
  });

  it.each([
    ['"1.005" USD', { amount: '1.005', currency: 'USD' }, 'amount'],
    ['a fraction of a point', { amount: '1.5', currency: 'POINTS' }, 'amount'],
    ['a code that is neither a currency nor a registered unit', { amount: '1.00', currency: 'ZZZZ' }, 'currency'],
    ['an amount as a JSON number', { amount: 1, currency: 'USD' }, 'amount'],
    ['"NaN"', { amount: 'NaN', currency: 'USD' }, 'amount'],
  ])('answers %s with a 400 naming the field, and writes nothing', async (_label, body, field) => {
    const customer = newCustomer('bad');
    const answer = await call<{ code: string; message: string }>('POST', `${walletPath(customer)}/top-ups`, { body });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('invalid_argument');
    expect(answer.json.message).toContain(field);
    expect(await balances(customer)).toEqual({});
    expect((await call<Page<Entry>>('GET', `/v1/customers/${customer}/entries`)).json.items).toEqual([]);
  });

  it('adjusts a wallet and a receivable, each shown in its normal direction', async () => {
    const customer = newCustomer('adjust');
    const adjust = (account: string, direction: string, amount: string) => call<Entry>('POST', '/v1/ledger/adjustments', {
      body: { customerId: customer, account, direction, amount, currency: 'USD', reason: `${direction} ${account}` },
    });
    const goodwill = await adjust('wallet', 'credit', '5.00');
    expect(goodwill.status, goodwill.text).toBe(201);
    expect(goodwill.json).toMatchObject({ type: 'ADJUSTMENT', reference: 'credit wallet' });
    expect((await adjust('receivable', 'debit', '12.34')).status).toBe(201);
    expect(await balances(customer)).toMatchObject({
      'wallet USD': { amount: '5.00', currency: 'USD' },
      'receivable USD': { amount: '12.34', currency: 'USD' },
    });
    const overdraw = await adjust('wallet', 'debit', '5.01');
    expect(overdraw.status).toBe(409);
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '5.00', currency: 'USD' });
  });

  it('pages a customer entries newest first, each exactly once', async () => {
    const customer = newCustomer('entries');
    const posted = [];
    for (const amount of ['1.00', '2.00', '3.00']) posted.push(await topUp(customer, amount));
    const first = await call<Page<Entry>>('GET', `/v1/customers/${customer}/entries?limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.items.map((entry) => entry.id)).toEqual([posted[2]?.id, posted[1]?.id]);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await call<Page<Entry>>('GET', `/v1/customers/${customer}/entries?limit=2&cursor=${encodeURIComponent(first.json.nextCursor ?? '')}`);
    expect(second.json.items.map((entry) => entry.id)).toEqual([posted[0]?.id]);
    expect(second.json.nextCursor).toBeNull();
    expect(second.json.items[0]).toEqual(posted[0]);
    const forged = await call<{ code: string }>('GET', `/v1/customers/${customer}/entries?cursor=not-a-cursor`);
    expect(forged.status).toBe(400);
  });

  it('answers a trial balance whose debits equal its credits in every currency', async () => {
    const customer = newCustomer('tb');
    for (const [amount, currency] of [['7.77', 'EUR'], ['1.00', 'USD'], ['3', 'POINTS'], ['0.5', 'ETH']] as const) {
      await topUp(customer, amount, currency);
    }
    const answer = await call<{ items: { currency: string; debits: string; credits: string }[] }>('GET', '/v1/ledger/trial-balance');
    expect(answer.status).toBe(200);
    expect(answer.json.items.map((line) => line.currency)).toEqual(expect.arrayContaining(['EUR', 'USD', 'POINTS', 'ETH']));
    for (const line of answer.json.items) {
      expect(line.debits, line.currency).toMatch(/^\d+(\.\d+)?$/);
      expect(line.debits, line.currency).toBe(line.credits);
    }
  });
});
