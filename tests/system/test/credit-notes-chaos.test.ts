import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CreditNoteService, CreditNoteSettlement, LedgerService, PaymentSource } from '@billing/contracts';
import { createGrpcClient } from '@billing/grpc-kit';
import { chaosStack } from './chaos-stack.ts';
import { pool, Progress } from './ledger-workload.ts';

// A seeded, randomized run of credit notes, wallet payments and refunds on closed bills, sent over
// gRPC with high concurrency while bill-service (which issues credit notes and owns the ledger)
// and the worker are killed with SIGKILL and restarted. Clients retry an outage with the same key.
// Afterwards: the books balance, every receivable equals a recomputation from the bills, payments,
// refunds and credit notes, no bill or line is credited past its amount, the credit note series
// has no gap and no duplicate, and every answered request took effect exactly once.

// About 52 operations per bill, enough to fill most bills to their amount: the races at that
// ceiling (and on a line's) are what the run is for; over 2,000 operations in all.
const BILLS = 40;
const ITEMS = 4;
const OPERATIONS = 2_100;
// The kills start once this share of the operations is answered: mid-load however fast the machine.
const KILL_AFTER_SHARE = 0.2;
const CONCURRENCY = 48;
const SEED = 2_026;
const GIVE_UP_AFTER_MS = 240_000;
const RETRIED = new Set([Code.Unavailable, Code.DeadlineExceeded]);

const stack = chaosStack();

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const usd = (minor: number | bigint) => ({ amount: (Number(minor) / 100).toFixed(2), currency: 'USD' });

type Op =
  | { kind: 'credit'; key: string; bill: number; item?: number; amountMinor?: number; settlement: CreditNoteSettlement }
  | { kind: 'pay'; key: string; bill: number }
  | { kind: 'refund'; key: string; bill: number; amountMinor: number };

describe('credit notes, payments and refunds under SIGKILL', () => {
  it('never credits past a line or a bill, keeps the series gap-free and the books equal to a recomputation', async () => {
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const options = { timeoutMs: 15_000, serviceCredential: stack.serviceToken };
    const ledger = createGrpcClient(LedgerService, stack.billServiceUrl, options);
    const notes = createGrpcClient(CreditNoteService, stack.billServiceUrl, options);
    const prefix = `cnc${Date.now().toString(36)}`;
    const next = random(SEED);

    // Closed bills as the bill workflow leaves them (rows and invoices), and funded wallets.
    const bills = Array.from({ length: BILLS }, (_, index) => ({
      customerId: `${prefix}-c${index}`, billId: `bill_${prefix}_${index}`,
      items: Array.from({ length: ITEMS }, (__, item) => ({ id: `item_${prefix}_${index}_${item}`, minor: 500 + Math.floor(next() * 9_500) })),
    }));
    for (const bill of bills) {
      const total = bill.items.reduce((sum, item) => sum + item.minor, 0);
      await db.query(`INSERT INTO bills (id, customer_id, billing_period, currency, time_zone, status, period_start, period_end, workflow_id,
                        created_at, updated_at, closed_at, item_count, total_minor, subtotals, invoice_number)
                      VALUES ($1, $2, '2031-05', 'USD', 'UTC', 'CLOSED', '2031-05-01Z', '2031-06-01Z', $3, now(), now(), now(), $4, $5, $6, $7)`,
      [bill.billId, bill.customerId, `wf-${bill.billId}`, ITEMS, total, JSON.stringify({ USD: String(total) }), `INV-${bill.billId}`]);
      for (const [seq, item] of bill.items.entries()) {
        await db.query(`INSERT INTO line_items (id, bill_id, seq, idempotency_key, description, quantity, unit_price, currency, amount_minor, metadata, added_at)
                        VALUES ($1, $2, $3, $4, $5, '1', '1', 'USD', $6, '{}', now())`, [item.id, bill.billId, seq + 1, `k${seq}`, `Service ${seq + 1}`, item.minor]);
      }
      await ledger.postInvoice({ customerId: bill.customerId, billId: bill.billId, total: usd(total) });
      await ledger.topUp({ customerId: bill.customerId, amount: usd(total * 2), idempotencyKey: `${prefix}-fund` });
    }
    const before = await db.query(`SELECT coalesce((SELECT balance_minor FROM ledger_accounts WHERE id = 'acc_contrarevenue_USD'), 0)::text AS b`);

    const ops: Op[] = Array.from({ length: OPERATIONS }, (_, index): Op => {
      const key = `${prefix}-op${index}`;
      const bill = Math.floor(next() * BILLS);
      const roll = next();
      if (roll < 0.4) {
        const settlement = [CreditNoteSettlement.REFUND, CreditNoteSettlement.WALLET, CreditNoteSettlement.OUT_OF_BAND][Math.floor(next() * 3)]!;
        if (next() < 0.6) {
          const item = Math.floor(next() * ITEMS);
          return { kind: 'credit', key, bill, item, settlement, ...(next() < 0.2 ? {} : { amountMinor: 1 + Math.floor(next() * 6_000) }) };
        }
        return { kind: 'credit', key, bill, amountMinor: 1 + Math.floor(next() * 8_000), settlement };
      }
      if (roll < 0.7) return { kind: 'pay', key, bill };
      return { kind: 'refund', key, bill, amountMinor: 1 + Math.floor(next() * 2_000) };
    });

    const payments = new Map<number, string[]>();
    const send = async (op: Op): Promise<{ id: string } | 'refused'> => {
      const { customerId } = bills[op.bill]!;
      try {
        if (op.kind === 'credit') {
          const body = bills[op.bill]!;
          const { creditNote } = await notes.issueCreditNote({
            customerId, billingPeriod: '2031-05', reason: 'chaos', settlement: op.settlement, idempotencyKey: op.key,
            ...(op.item === undefined
              ? { amount: usd(op.amountMinor ?? 1) }
              : { lines: [{ itemId: body.items[op.item]!.id, ...(op.amountMinor === undefined ? {} : { amount: usd(op.amountMinor) }) }] }),
          });
          return { id: creditNote?.id ?? '' };
        }
        if (op.kind === 'pay') {
          const { entry } = await ledger.payBill({ customerId, billingPeriod: '2031-05', source: PaymentSource.WALLET, idempotencyKey: op.key });
          payments.set(op.bill, [...payments.get(op.bill) ?? [], entry?.id ?? '']);
          return { id: entry?.id ?? '' };
        }
        const paid = payments.get(op.bill) ?? [];
        if (paid.length === 0) return 'refused';
        const { entry } = await ledger.refund({ customerId, paymentEntryId: paid[Math.floor(paid.length / 2)]!, amount: usd(op.amountMinor), idempotencyKey: op.key });
        return { id: entry?.id ?? '' };
      } catch (error) {
        if (ConnectError.from(error).code === Code.FailedPrecondition) return 'refused';
        throw error;
      }
    };
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    let failedAttempts = 0;
    const untilAnswered = async (op: Op) => {
      for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 1_000)) {
        try {
          return await send(op);
        } catch (error) {
          if (!RETRIED.has(ConnectError.from(error).code)) throw error;
          failedAttempts += 1;
          await sleep(delay);
        }
      }
      return 'gave up' as const;
    };

    const started = Date.now();
    const progress = new Progress();
    const chaos = (async () => {
      await progress.reached(Math.round(OPERATIONS * KILL_AFTER_SHARE));
      await stack.killApp('bill-service');
      await stack.killApp('worker');
      await stack.startApp('bill-service');
      const answeredWhenBack = progress.done;
      await stack.startApp('worker');
      return answeredWhenBack;
    })();
    const [results, answeredWhenBack] = await Promise.all([pool(ops, CONCURRENCY, async (op) => {
      const result = await untilAnswered(op);
      progress.finished();
      return result;
    }), chaos]);
    const seconds = (Date.now() - started) / 1000;

    expect(results.filter((result) => result === 'gave up')).toEqual([]);
    // The kills hit requests in flight, and the restarted bill-service answered the rest.
    expect(failedAttempts).toBeGreaterThan(0);
    expect(answeredWhenBack).toBeLessThan(OPERATIONS);
    const issued = ops.flatMap((op, index) => (op.kind === 'credit' && typeof results[index] === 'object' ? [[op.key, (results[index] as { id: string }).id] as const] : []));
    expect(issued.length).toBeGreaterThan(100);
    // Credit notes were refused too: bills and lines reached their ceiling while others were issued.
    expect(ops.filter((op, index) => op.kind === 'credit' && results[index] === 'refused').length).toBeGreaterThan(0);

    const customers = bills.map((bill) => bill.customerId);
    // Every answered credit note is one row under its key; nothing else was issued.
    const rows = (await db.query(`SELECT id, idempotency_key, bill_id, amount_minor::text, applied_minor::text, settled_minor::text, number, year, sequence
                                    FROM credit_notes WHERE customer_id = ANY($1)`, [customers])).rows;
    expect(new Map(rows.map((row) => [row.idempotency_key, row.id] as const))).toEqual(new Map(issued));
    // No bill and no line credited past its amount.
    for (const bill of bills) {
      const credited = rows.filter((row) => row.bill_id === bill.billId).reduce((sum, row) => sum + BigInt(row.amount_minor), 0n);
      expect(credited).toBeLessThanOrEqual(BigInt(bill.items.reduce((sum, item) => sum + item.minor, 0)));
    }
    const perItem = (await db.query(`SELECT l.line_item_id, sum(l.amount_minor)::text AS credited FROM credit_note_lines l
                                       JOIN credit_notes n ON n.id = l.credit_note_id WHERE n.customer_id = ANY($1) AND l.line_item_id IS NOT NULL
                                      GROUP BY l.line_item_id`, [customers])).rows;
    const itemAmounts = new Map(bills.flatMap((bill) => bill.items.map((item) => [item.id, BigInt(item.minor)])));
    for (const row of perItem) expect(BigInt(row.credited)).toBeLessThanOrEqual(itemAmounts.get(row.line_item_id)!);
    // The series: per year 1..n, each number once.
    const series = (await db.query(`SELECT year, count(*)::int AS n, count(DISTINCT sequence)::int AS d, max(sequence) AS m, count(DISTINCT number)::int AS numbers
                                      FROM credit_notes GROUP BY year`)).rows;
    for (const year of series) expect([year.n, year.d, year.numbers]).toEqual([year.m, year.m, year.m]);
    // Each credit note's entries: its CREDIT_NOTE of the whole amount, its settlement of the settled part.
    const entries = (await db.query(`SELECT reference, type, sum(amount_minor)::text AS total, count(*)::int AS n FROM ledger_entries
                                       WHERE customer_id = ANY($1) AND type IN ('CREDIT_NOTE', 'REFUND') AND reference LIKE 'CN-%' GROUP BY reference, type`, [customers])).rows;
    const byNumber = new Map(entries.map((row) => [`${row.reference} ${row.type}`, row]));
    for (const row of rows) {
      expect(byNumber.get(`${row.number} CREDIT_NOTE`)).toMatchObject({ total: row.amount_minor, n: 1 });
      expect(byNumber.get(`${row.number} REFUND`)?.total ?? '0').toBe(row.settled_minor);
    }
    // Books: balanced, balances equal postings, and each receivable equals a recomputation.
    const net = (await db.query(`SELECT currency, sum(CASE WHEN direction = 'DEBIT' THEN amount_minor ELSE -amount_minor END)::text AS net
                                   FROM ledger_postings GROUP BY currency`)).rows;
    for (const row of net) expect(row.net, row.currency).toBe('0');
    const drifted = (await db.query(`SELECT a.id FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id GROUP BY a.id
                                       HAVING a.balance_minor <> coalesce(sum(CASE WHEN p.direction = a.normal_side THEN p.amount_minor ELSE -p.amount_minor END), 0)`)).rows;
    expect(drifted).toEqual([]);
    for (const bill of bills) {
      const total = BigInt(bill.items.reduce((sum, item) => sum + item.minor, 0));
      const { rows: [sums] } = await db.query(`SELECT
          coalesce(sum(amount_minor) FILTER (WHERE type = 'PAYMENT'), 0)::text AS paid,
          coalesce(sum(amount_minor) FILTER (WHERE type = 'REFUND' AND idempotency_key LIKE 'refund:%'), 0)::text AS refunded
        FROM ledger_entries WHERE bill_id = $1`, [bill.billId]);
      const notesOfBill = rows.filter((row) => row.bill_id === bill.billId);
      const creditedNet = notesOfBill.reduce((sum, row) => sum + BigInt(row.amount_minor) - BigInt(row.settled_minor), 0n);
      const expected = total - BigInt(sums.paid) + BigInt(sums.refunded) - creditedNet;
      const { rows: [account] } = await db.query(`SELECT balance_minor::text AS b FROM ledger_accounts WHERE id = $1`, [`acc_receivable_USD_${bill.customerId}`]);
      expect(BigInt(account.b), bill.billId).toBe(expected);
    }
    const after = await db.query(`SELECT balance_minor::text AS b FROM ledger_accounts WHERE id = 'acc_contrarevenue_USD'`);
    expect(BigInt(after.rows[0].b) - BigInt(before.rows[0].b)).toBe(rows.reduce((sum, row) => sum + BigInt(row.amount_minor), 0n));

    // Every answered credit note replays under its key.
    const sample = ops.filter((op) => op.kind === 'credit' && issued.some(([key]) => key === op.key)).slice(0, 50);
    for (const op of sample) {
      const replay = await send(op);
      expect(replay).toEqual({ id: new Map(issued).get(op.key) });
    }
    await db.end();
    process.stdout.write(`credit notes chaos: ${OPERATIONS} operations, ${issued.length} credit notes issued, ` +
      `${results.filter((result) => result === 'refused').length} refused, ${failedAttempts} failed attempts, ${seconds.toFixed(1)} s\n`);
  }, 360_000);
});
