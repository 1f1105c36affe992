// A seeded, randomized ledger workload and the checks every run of it must pass: shared by the
// concurrent workload test and the chaos test, which runs it while bill-service is killed.
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import pg from 'pg';
import { AccountKind, Direction, type LedgerService } from '@billing/contracts';

export type LedgerOp =
  | { kind: 'topUp' | 'withdraw'; key: string; customerId: string; amount: { amount: string; currency: string } }
  | { kind: 'transfer'; key: string; customerId: string; toCustomerId: string; amount: { amount: string; currency: string } }
  | { kind: 'adjust'; key: string; customerId: string; direction: Direction; amount: { amount: string; currency: string } };

// Currencies and units with different exponents: cents, none, wei, points.
const CURRENCIES: ReadonlyArray<{ code: string; exponent: number }> = [
  { code: 'USD', exponent: 2 }, { code: 'EUR', exponent: 2 }, { code: 'JPY', exponent: 0 },
  { code: 'KWD', exponent: 3 }, { code: 'ETH', exponent: 18 }, { code: 'POINTS', exponent: 0 },
];

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A decimal string of `minor` minor units at `exponent` decimals: exact, no float involved. */
function decimal(minor: bigint, exponent: number): string {
  if (exponent === 0) return minor.toString();
  const digits = minor.toString().padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * `count` operations over `customers` customers: top-ups (so wallets have something), then
 * withdrawals, transfers and adjustments that sometimes ask for more than a wallet holds (those
 * must fail cleanly). Keys are unique per run (`prefix`).
 */
export function ledgerWorkload(seed: number, count: number, customers: number, prefix: string): LedgerOp[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const customerIds = Array.from({ length: customers }, (_, index) => `${prefix}-c${index}`);
  return Array.from({ length: count }, (_, index): LedgerOp => {
    const currency = pick(CURRENCIES);
    const scale = currency.exponent === 18 ? 10n ** 15n : 1n;
    const minor = BigInt(1 + Math.floor(next() * 5_000)) * scale + (currency.exponent === 18 ? BigInt(Math.floor(next() * 1000)) : 0n);
    const amount = { amount: decimal(minor, currency.exponent), currency: currency.code };
    const key = `${prefix}-op${index}`;
    const customerId = pick(customerIds);
    const roll = next();
    if (roll < 0.4) return { kind: 'topUp', key, customerId, amount };
    if (roll < 0.6) return { kind: 'withdraw', key, customerId, amount };
    if (roll < 0.9) {
      let toCustomerId = pick(customerIds);
      while (toCustomerId === customerId) toCustomerId = pick(customerIds);
      return { kind: 'transfer', key, customerId, toCustomerId, amount };
    }
    return { kind: 'adjust', key, customerId, direction: next() < 0.5 ? Direction.CREDIT : Direction.DEBIT, amount };
  });
}

export interface OpResult {
  entryId: string;
  replayed: boolean;
}

function send(ledger: Client<typeof LedgerService>, op: LedgerOp, options: { signal?: AbortSignal }) {
  switch (op.kind) {
    case 'topUp':
      return ledger.topUp({ customerId: op.customerId, amount: op.amount, idempotencyKey: op.key }, options);
    case 'withdraw':
      return ledger.withdraw({ customerId: op.customerId, amount: op.amount, idempotencyKey: op.key }, options);
    case 'transfer':
      return ledger.transfer({ fromCustomerId: op.customerId, toCustomerId: op.toCustomerId, amount: op.amount, idempotencyKey: op.key }, options);
    case 'adjust':
      return ledger.adjust({
        customerId: op.customerId, accountKind: AccountKind.WALLET, direction: op.direction, amount: op.amount,
        reason: 'workload', idempotencyKey: op.key,
      }, options);
  }
}

/** Sends one operation; a refusal for insufficient funds is an answer (undefined), not an error. */
export async function sendOp(ledger: Client<typeof LedgerService>, op: LedgerOp, signal?: AbortSignal): Promise<OpResult | undefined> {
  const options = signal ? { signal } : {};
  try {
    const response = await send(ledger, op, options);
    return { entryId: response.entry?.id ?? '', replayed: response.replayed };
  } catch (error) {
    if (ConnectError.from(error).code === Code.FailedPrecondition) return undefined;
    throw error;
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await work(items[index]!);
    }
  }));
  return results;
}

/**
 * Counts finished operations, and resolves `reached(n)` once `n` have finished: a chaos run kills an
 * app when part of its workload is answered and the rest still to come, so the kill lands mid-load
 * however fast or slow the machine is.
 */
export class Progress {
  private count = 0;
  private readonly waiting: Array<{ at: number; resolve: () => void }> = [];

  get done(): number {
    return this.count;
  }

  finished(): void {
    this.count += 1;
    for (const waiter of this.waiting.filter((entry) => entry.at <= this.count)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  reached(at: number): Promise<void> {
    if (at <= this.count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ at, resolve }));
  }
}

export interface Books {
  /** Per currency: debits minus credits over every posting (must be 0). */
  netByCurrency: Record<string, string>;
  /** Accounts whose stored balance differs from the sum of their postings (must be none). */
  drifted: string[];
  /** Wallets below zero (must be none). */
  negativeWallets: string[];
  /** Every account's balance, to compare before and after a replay. */
  balances: Record<string, string>;
  /** Entries whose keys start with `prefix`. */
  entries: number;
}

/** Reads the books straight from PostgreSQL, trusting nothing the service says. */
export async function readBooks(databaseUrl: string, prefix: string): Promise<Books> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const net = await client.query(`SELECT currency, sum(CASE WHEN direction = 'DEBIT' THEN amount_minor ELSE -amount_minor END)::text AS net
                                      FROM ledger_postings GROUP BY currency`);
    const accounts = await client.query(`
      SELECT a.id, a.kind, a.balance_minor::text AS balance,
             coalesce(sum(CASE WHEN p.direction = a.normal_side THEN p.amount_minor ELSE -p.amount_minor END), 0)::text AS from_postings
        FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
       GROUP BY a.id ORDER BY a.id`);
    const entries = await client.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key LIKE '%' || $1 || '-op%'`, [prefix]);
    const rows = accounts.rows as Array<{ id: string; kind: string; balance: string; from_postings: string }>;
    return {
      netByCurrency: Object.fromEntries((net.rows as Array<{ currency: string; net: string }>).map((row) => [row.currency, row.net])),
      drifted: rows.filter((row) => row.balance !== row.from_postings).map((row) => row.id),
      negativeWallets: rows.filter((row) => row.kind === 'wallet' && BigInt(row.balance) < 0n).map((row) => row.id),
      balances: Object.fromEntries(rows.map((row) => [row.id, row.balance])),
      entries: (entries.rows[0] as { n: number }).n,
    };
  } finally {
    await client.end();
  }
}
