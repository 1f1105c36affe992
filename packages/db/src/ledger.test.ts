import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, migrateLatest, type Db } from './index.ts';

// The books are exercised with plain SQL, the way a buggy service or an operator at a psql prompt
// would reach them: every rule must hold without any application code in between.
let pg: PostgresHandle;
let db: Db;

beforeAll(async () => {
  pg = await startPostgres({ temporary: true });
  await migrateLatest(pg.url);
  db = createDb({ url: pg.url, poolMax: 20 });
});
afterAll(async () => {
  await db?.destroy();
  await pg?.stop();
});

type Side = 'DEBIT' | 'CREDIT';
type Kind = 'receivable' | 'wallet' | 'revenue' | 'cash' | 'fx' | 'external';
type Posting = readonly [account: string, direction: Side, amount: string, currency: string];

const NORMAL: Record<Kind, Side> = {
  receivable: 'DEBIT', cash: 'DEBIT', fx: 'DEBIT', external: 'DEBIT', wallet: 'CREDIT', revenue: 'CREDIT',
};

let serial = 0;
const unique = (prefix: string) => `${prefix}_${++serial}`;

/** Each test opens its own accounts: a fresh provider keeps platform accounts (no customer) apart. */
async function openAccount(
  kind: Kind, currency: string, customer: string | null = unique('cus'), provider: string | null = unique('psp'),
): Promise<string> {
  const id = unique(`acc_${kind}`);
  await db('ledger_accounts').insert({ id, customer_id: customer, kind, currency, provider, normal_side: NORMAL[kind] });
  return id;
}

/** Inserts one entry and its postings (in one statement, as an entry must be) in one transaction. */
async function post(postings: readonly Posting[], type = 'TRANSFER', conn: Db = db): Promise<string> {
  const id = unique('ent');
  await conn.transaction(async (trx) => {
    await trx('ledger_entries').insert({ id, type, idempotency_key: `key-${id}` });
    if (postings.length === 0) return;
    await trx('ledger_postings').insert(postings.map(([account, direction, amount, currency]) => ({
      entry_id: id, account_id: account, direction, amount_minor: amount, currency,
    })));
  });
  return id;
}

/** One transaction, one INSERT for all postings of several entries, in order: how the service batches. */
async function postBatch(entries: ReadonlyArray<readonly Posting[]>): Promise<void> {
  await db.transaction(async (trx) => {
    const ids = entries.map(() => unique('ent'));
    await trx('ledger_entries').insert(ids.map((id) => ({ id, type: 'TRANSFER', idempotency_key: `key-${id}` })));
    await trx('ledger_postings').insert(entries.flatMap((postings, index) => postings.map(([account, direction, amount, currency]) => ({
      entry_id: ids[index], account_id: account, direction, amount_minor: amount, currency,
    }))));
  });
}

async function balance(account: string): Promise<string> {
  const row = await db('ledger_accounts').where({ id: account }).first('balance_minor');
  return row.balance_minor as string;
}

/** The balance recomputed from the postings alone, in the account's normal direction. */
async function balanceFromPostings(account: string): Promise<string> {
  const { rows } = await db.raw(`
    SELECT coalesce(sum(CASE WHEN p.direction = a.normal_side THEN p.amount_minor ELSE -p.amount_minor END), 0)::text AS total
      FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
     WHERE a.id = ? GROUP BY a.id`, [account]);
  return rows[0].total as string;
}

describe('ledger entries', () => {
  it('commit when balanced in every currency, and balances equal the sums of their postings', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const usdWallet = await openAccount('wallet', 'USD');
    const fxUsd = await openAccount('fx', 'USD', null);
    const fxEth = await openAccount('fx', 'ETH', null);
    const ethWallet = await openAccount('wallet', 'ETH');
    await post([[cash, 'DEBIT', '10000', 'USD'], [usdWallet, 'CREDIT', '10000', 'USD']], 'TOPUP');
    // A conversion: 25.00 USD leaves the USD wallet and 0.01 ETH (in wei) arrives in the ETH one.
    await post([
      [usdWallet, 'DEBIT', '2500', 'USD'], [fxUsd, 'CREDIT', '2500', 'USD'],
      [fxEth, 'DEBIT', '10000000000000000', 'ETH'], [ethWallet, 'CREDIT', '10000000000000000', 'ETH'],
    ]);

    expect(await balance(cash)).toBe('10000');
    expect(await balance(usdWallet)).toBe('7500');
    expect(await balance(fxUsd)).toBe('-2500');
    expect(await balance(fxEth)).toBe('10000000000000000');
    expect(await balance(ethWallet)).toBe('10000000000000000');
    for (const account of [cash, usdWallet, fxUsd, fxEth, ethWallet]) {
      expect(await balance(account)).toBe(await balanceFromPostings(account));
    }
    // The trial balance: debits equal credits in each currency across the whole ledger.
    const { rows } = await db.raw(`
      SELECT currency, sum(CASE WHEN direction = 'DEBIT' THEN amount_minor ELSE -amount_minor END)::text AS net
        FROM ledger_postings GROUP BY currency`);
    for (const row of rows as Array<{ net: string }>) expect(row.net).toBe('0');
  });

  it('are refused when debits and credits differ, leaving no trace', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'USD');
    const entry = unique('ent');
    await expect(db.transaction(async (trx) => {
      await trx('ledger_entries').insert({ id: entry, type: 'TOPUP', idempotency_key: entry });
      await trx('ledger_postings').insert([
        { entry_id: entry, account_id: cash, direction: 'DEBIT', amount_minor: '1000', currency: 'USD' },
        { entry_id: entry, account_id: wallet, direction: 'CREDIT', amount_minor: '999', currency: 'USD' },
      ]);
    })).rejects.toThrow(`ledger entry ${entry} is unbalanced in USD: debits 1000 <> credits 999`);
    expect(await db('ledger_entries').where({ id: entry })).toEqual([]);
    expect(await balance(cash)).toBe('0');
    expect(await balance(wallet)).toBe('0');
  });

  it('are refused at commit even when the posting trigger is switched off', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'USD');
    const entry = unique('ent');
    // An operator with the rights to disable triggers still cannot commit an unbalanced entry:
    // the deferred constraint trigger has the last word (and the DDL rolls back with it).
    await expect(db.transaction(async (trx) => {
      await trx.raw('ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_apply');
      await trx('ledger_entries').insert({ id: entry, type: 'TOPUP', idempotency_key: entry });
      await trx('ledger_postings').insert([
        { entry_id: entry, account_id: cash, direction: 'DEBIT', amount_minor: '1000', currency: 'USD' },
        { entry_id: entry, account_id: wallet, direction: 'CREDIT', amount_minor: '998', currency: 'USD' },
      ]);
    })).rejects.toThrow(`COMMIT; - ledger entry ${entry} is unbalanced in USD: debits 1000 <> credits 998`);
    expect(await db('ledger_entries').where({ id: entry })).toEqual([]);
    const { rows } = await db.raw(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'ledger_postings_apply'`);
    expect(rows[0].tgenabled).toBe('O');
  });

  it('are refused when balanced in total but not per currency', async () => {
    const usd = await openAccount('cash', 'USD', null);
    const eur = await openAccount('wallet', 'EUR');
    await expect(post([[usd, 'DEBIT', '500', 'USD'], [eur, 'CREDIT', '500', 'EUR']]))
      .rejects.toThrow(/is unbalanced in EUR: debits 0 <> credits 500/);
  });

  it('are refused with fewer than two postings, none at all included', async () => {
    const cash = await openAccount('cash', 'USD', null);
    await expect(post([])).rejects.toThrow(/has 0 posting\(s\); an entry needs at least two/);
    await expect(post([[cash, 'DEBIT', '0', 'USD']])).rejects.toThrow(/ledger_postings_amount_positive/);
    // One positive posting can never balance, so it is refused as unbalanced, at once.
    await expect(post([[cash, 'DEBIT', '5', 'USD']])).rejects.toThrow(/is unbalanced in USD: debits 5 <> credits 0/);
  });

  it('refuse a posting in a currency other than its account', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'BTC');
    await expect(post([[cash, 'DEBIT', '100', 'USD'], [wallet, 'CREDIT', '100', 'USD']]))
      .rejects.toThrow(/ledger_postings_account_currency/);
    expect(await balance(cash)).toBe('0');
  });

  it('are immutable: postings and entries can be neither updated nor deleted, nor grown later', async () => {
    const cash = await openAccount('cash', 'GEL', null);
    const wallet = await openAccount('wallet', 'GEL');
    const entry = await post([[cash, 'DEBIT', '700', 'GEL'], [wallet, 'CREDIT', '700', 'GEL']], 'TOPUP');
    const posting = db('ledger_postings').where({ entry_id: entry, account_id: wallet });
    await expect(posting.clone().update({ amount_minor: '70000' })).rejects.toThrow(/ledger_postings are immutable: UPDATE is refused/);
    await expect(posting.clone().delete()).rejects.toThrow(/ledger_postings are immutable: DELETE is refused/);
    await expect(db('ledger_entries').where({ id: entry }).update({ reference: 'x' })).rejects.toThrow(/ledger_entries are immutable: UPDATE/);
    await expect(db('ledger_entries').where({ id: entry }).delete()).rejects.toThrow(/ledger_entries are immutable: DELETE/);
    // Postings are referenced by nothing, so their own trigger answers; entries and accounts are
    // referenced by later tables (credit notes), which a TRUNCATE must name or cascade to.
    await expect(db.raw('TRUNCATE ledger_postings')).rejects.toThrow(/ledger_postings are immutable: TRUNCATE/);
    await expect(db.raw('TRUNCATE ledger_postings, ledger_entries, ledger_accounts CASCADE')).rejects.toThrow(/immutable: TRUNCATE/);
    // A balanced pair added to the committed entry by a later transaction is refused too.
    await expect(db.transaction(async (trx) => {
      await trx('ledger_postings').insert([
        { entry_id: entry, account_id: cash, direction: 'DEBIT', amount_minor: '1', currency: 'GEL' },
        { entry_id: entry, account_id: wallet, direction: 'CREDIT', amount_minor: '1', currency: 'GEL' },
      ]);
    })).rejects.toThrow(`ledger entry ${entry} was committed earlier`);
    expect(await balance(wallet)).toBe('700');
    expect(await db('ledger_postings').where({ entry_id: entry }).count('* as n')).toEqual([{ n: '2' }]);
  });

  it('let an account change only through postings', async () => {
    const wallet = await openAccount('wallet', 'USD');
    await expect(db('ledger_accounts').where({ id: wallet }).update({ balance_minor: '1000000' }))
      .rejects.toThrow(/balance changes only through postings/);
    await expect(db('ledger_accounts').where({ id: wallet }).update({ currency: 'EUR' }))
      .rejects.toThrow(/balance changes only through postings/);
    await expect(db('ledger_accounts').where({ id: wallet }).delete()).rejects.toThrow(/never edited or deleted/);
    await expect(db('ledger_accounts').insert({
      id: unique('acc'), customer_id: 'rich', kind: 'wallet', currency: 'USD', normal_side: 'CREDIT', balance_minor: '5',
    })).rejects.toThrow(/must open with a zero balance/);
    await expect(db('ledger_accounts').insert({ id: unique('acc'), customer_id: 'c', kind: 'wallet', currency: 'USD', normal_side: 'DEBIT' }))
      .rejects.toThrow(/ledger_accounts_normal_side/);
  });

  it('keep one account per customer, kind, currency and provider, a missing one counting as equal', async () => {
    await openAccount('revenue', 'JPY', null, null);
    await expect(openAccount('revenue', 'JPY', null, null)).rejects.toThrow(/ledger_accounts_owner/);
    await openAccount('wallet', 'JPY', 'cus_same', null);
    await expect(openAccount('wallet', 'JPY', 'cus_same', null)).rejects.toThrow(/ledger_accounts_owner/);
    await openAccount('wallet', 'EUR', 'cus_same', null);
    await openAccount('wallet', 'JPY', 'cus_same', 'psp_other');
  });
});

describe('wallet balance under concurrency', () => {
  it('lets exactly as many of 100 concurrent withdrawals succeed as the balance covers, never going below zero', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'USD');
    await post([[cash, 'DEBIT', '3700', 'USD'], [wallet, 'CREDIT', '3700', 'USD']], 'TOPUP');

    // Watch the committed balance while the withdrawals race; a negative value must never appear.
    let lowest = 3700n;
    let racing = true;
    const watcher = (async () => {
      while (racing) {
        lowest = [lowest, BigInt(await balance(wallet))].reduce((a, b) => (b < a ? b : a));
      }
    })();
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () =>
      post([[wallet, 'DEBIT', '100', 'USD'], [cash, 'CREDIT', '100', 'USD']], 'WITHDRAWAL')));
    racing = false;
    await watcher;

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.length - refused.length).toBe(37);
    for (const outcome of refused) {
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/ledger_accounts_wallet_not_negative/);
    }
    expect(lowest >= 0n).toBe(true);
    expect(await balance(wallet)).toBe('0');
    expect(await balance(cash)).toBe('0');
    expect(await balanceFromPostings(wallet)).toBe('0');
    const { rows } = await db.raw(`SELECT count(*)::int AS n FROM ledger_entries e
      WHERE e.type = 'WITHDRAWAL' AND EXISTS (SELECT 1 FROM ledger_postings p WHERE p.entry_id = e.id AND p.account_id = ?)`, [wallet]);
    expect(rows[0].n).toBe(37);
  });
});

describe('postings inserted as one statement', () => {
  it('move each account once by the net of its postings, and an overdraft anywhere refuses the whole statement', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const a = await openAccount('wallet', 'USD');
    const b = await openAccount('wallet', 'USD');
    await postBatch([
      [[cash, 'DEBIT', '1000', 'USD'], [a, 'CREDIT', '1000', 'USD']],
      [[a, 'DEBIT', '300', 'USD'], [b, 'CREDIT', '300', 'USD']],
      [[b, 'DEBIT', '100', 'USD'], [a, 'CREDIT', '100', 'USD']],
    ]);
    expect([await balance(cash), await balance(a), await balance(b)]).toEqual(['1000', '800', '200']);
    await expect(postBatch([
      [[a, 'DEBIT', '100', 'USD'], [b, 'CREDIT', '100', 'USD']],
      [[b, 'DEBIT', '301', 'USD'], [cash, 'CREDIT', '301', 'USD']],
    ])).rejects.toThrow(/ledger_accounts_wallet_not_negative/);
    for (const account of [cash, a, b]) expect(await balance(account)).toBe(await balanceFromPostings(account));
    expect(await balance(a)).toBe('800');
  });

  it('never deadlock when concurrent entries name the same accounts in opposite orders', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const a = await openAccount('wallet', 'USD');
    const b = await openAccount('wallet', 'USD');
    await postBatch([[[cash, 'DEBIT', '100000', 'USD'], [a, 'CREDIT', '50000', 'USD'], [b, 'CREDIT', '50000', 'USD']]]);
    // Each transaction lists its postings a-then-b or b-then-a; row-by-row locking in that order
    // deadlocks some of them. The statement trigger locks in id order, so all of them commit.
    const outcomes = await Promise.allSettled(Array.from({ length: 120 }, (_, index) => postBatch([
      index % 2 === 0
        ? [[a, 'DEBIT', '10', 'USD'], [b, 'CREDIT', '10', 'USD']]
        : [[b, 'DEBIT', '10', 'USD'], [a, 'CREDIT', '10', 'USD']],
      index % 2 === 0
        ? [[b, 'DEBIT', '5', 'USD'], [a, 'CREDIT', '5', 'USD']]
        : [[a, 'DEBIT', '5', 'USD'], [b, 'CREDIT', '5', 'USD']],
    ])));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason))).toEqual([]);
    expect([await balance(a), await balance(b)]).toEqual(['50000', '50000']);
    for (const account of [cash, a, b]) expect(await balance(account)).toBe(await balanceFromPostings(account));
  });

  it('cannot be unbalanced by a posting added after an early check', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'USD');
    const entry = unique('ent');
    // Checked early (SET CONSTRAINTS ... IMMEDIATE), an entry would let a later posting through
    // unseen at commit; each statement's postings must balance by themselves instead.
    await expect(db.transaction(async (trx) => {
      await trx('ledger_entries').insert({ id: entry, type: 'TOPUP', idempotency_key: entry });
      await trx('ledger_postings').insert([
        { entry_id: entry, account_id: cash, direction: 'DEBIT', amount_minor: '500', currency: 'USD' },
        { entry_id: entry, account_id: wallet, direction: 'CREDIT', amount_minor: '500', currency: 'USD' },
      ]);
      await trx.raw('SET CONSTRAINTS ALL IMMEDIATE');
      await trx.raw('SET CONSTRAINTS ALL DEFERRED');
      await trx('ledger_postings').insert({ entry_id: entry, account_id: cash, direction: 'DEBIT', amount_minor: '7', currency: 'USD' });
    })).rejects.toThrow(`ledger entry ${entry} is unbalanced in USD: debits 7 <> credits 0`);
    // Checked before its postings arrive, an entry has too few.
    const early = unique('ent');
    await expect(db.transaction(async (trx) => {
      await trx.raw('SET CONSTRAINTS ALL IMMEDIATE');
      await trx('ledger_entries').insert({ id: early, type: 'TOPUP', idempotency_key: early });
    })).rejects.toThrow(`ledger entry ${early} has 0 posting(s)`);
    expect(await balance(wallet)).toBe('0');
  });
});

describe('a statement of several entries', () => {
  it('is refused when its entries only balance each other out: no wallet is funded by a later entry', async () => {
    const a = await openAccount('wallet', 'USD');
    const b = await openAccount('wallet', 'USD');
    // Each empty wallet pays the other: net zero for both, but whichever runs first overdraws.
    await expect(postBatch([
      [[a, 'DEBIT', '1000', 'USD'], [b, 'CREDIT', '1000', 'USD']],
      [[b, 'DEBIT', '1000', 'USD'], [a, 'CREDIT', '1000', 'USD']],
    ])).rejects.toThrow(/wallet .* would go below zero part-way through this statement/);
    expect([await balance(a), await balance(b)]).toEqual(['0', '0']);
  });

  it('takes entries in the order given: a top-up then a spend of it commits, the reverse does not', async () => {
    const cash = await openAccount('cash', 'USD', null);
    const wallet = await openAccount('wallet', 'USD');
    await postBatch([
      [[cash, 'DEBIT', '500', 'USD'], [wallet, 'CREDIT', '500', 'USD']],
      [[wallet, 'DEBIT', '500', 'USD'], [cash, 'CREDIT', '500', 'USD']],
    ]);
    await expect(postBatch([
      [[wallet, 'DEBIT', '500', 'USD'], [cash, 'CREDIT', '500', 'USD']],
      [[cash, 'DEBIT', '500', 'USD'], [wallet, 'CREDIT', '500', 'USD']],
    ])).rejects.toThrow(/ledger_accounts_wallet_not_negative|would go below zero/);
    expect(await balance(wallet)).toBe('0');
  });
});
