import { describe, expect, inject, it } from 'vitest';
import { LedgerService } from '@billing/contracts';
import { createGrpcClient } from '@billing/grpc-kit';
import { ledgerWorkload, pool, readBooks, sendOp, type LedgerOp } from './ledger-workload.ts';

// Thousands of random ledger operations at once, over real gRPC to bill-service: afterwards the
// books must balance in every currency, every balance must equal its postings, no wallet may be
// negative, and sending every key again must change nothing.

const OPERATIONS = 6_000;
const DUPLICATES = 400;
const CUSTOMERS = 60;
const CONCURRENCY = 64;
const SEED = 20_261_129;

describe('a randomized concurrent ledger workload', () => {
  it('leaves the books balanced, every balance equal to its postings, no wallet negative, and replays idempotent', async () => {
    const ledger = createGrpcClient(LedgerService, `http://${inject('billServiceAddress')}`, { timeoutMs: 30_000, serviceCredential: inject('serviceToken') });
    const prefix = `wl${Date.now().toString(36)}`;
    const ops = ledgerWorkload(SEED, OPERATIONS, CUSTOMERS, prefix);
    // Some keys are sent twice while the first is still in flight, as an impatient client would.
    const sent: LedgerOp[] = [...ops];
    for (let index = 0; index < DUPLICATES; index += 1) sent.splice((index * 7919) % sent.length, 0, ops[(index * 104_729) % ops.length]!);

    const results = await pool(sent, CONCURRENCY, (op) => sendOp(ledger, op));

    const byKey = new Map<string, string>();
    for (const [index, result] of results.entries()) {
      if (!result) continue;
      const key = sent[index]!.key;
      const seen = byKey.get(key);
      if (seen !== undefined) expect(result.entryId, `key ${key} answered two entries`).toBe(seen);
      byKey.set(key, result.entryId);
    }
    const books = await readBooks(inject('databaseUrl'), prefix);
    for (const [currency, net] of Object.entries(books.netByCurrency)) expect(net, `trial balance of ${currency}`).toBe('0');
    expect(books.drifted).toEqual([]);
    expect(books.negativeWallets).toEqual([]);
    expect(books.entries).toBe(byKey.size);
    // Refusals happened (the workload overdraws on purpose) and most operations went through.
    expect(byKey.size).toBeGreaterThan(OPERATIONS / 2);
    expect(byKey.size).toBeLessThan(OPERATIONS);

    const succeeded = ops.filter((op) => byKey.has(op.key));
    const replays = await pool(succeeded, CONCURRENCY, (op) => sendOp(ledger, op));
    for (const [index, replay] of replays.entries()) {
      expect(replay, succeeded[index]!.key).toEqual({ entryId: byKey.get(succeeded[index]!.key), replayed: true });
    }
    const after = await readBooks(inject('databaseUrl'), prefix);
    expect(after.balances).toEqual(books.balances);
    expect(after.entries).toBe(books.entries);
  }, 180_000);
});
