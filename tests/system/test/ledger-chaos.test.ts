import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { LedgerService } from '@billing/contracts';
import { createGrpcClient } from '@billing/grpc-kit';
import { chaosStack } from './chaos-stack.ts';
import { ledgerWorkload, pool, Progress, readBooks, sendOp, type LedgerOp, type OpResult } from './ledger-workload.ts';

// A randomized concurrent ledger workload over real gRPC while bill-service (which owns the ledger)
// is killed with SIGKILL and restarted, twice. Clients do what a careful client does: on an outage
// they retry the same operation with the same key, with backoff, until it is answered; some keys
// are also sent twice while the first is still in flight, as an impatient client would. Afterwards
// the books must balance in every currency, every balance must equal its postings, no wallet may be
// negative, no key may have taken effect twice, and sending every key again must change nothing.
//
// It runs on the chaos project's stack, so the kills cannot disturb the other suites' shared one.

// 75 operations per customer (12.5 per wallet and currency), as dense as a larger run: what the
// kills race against is the 64 calls in flight, not the length of the queue behind them.
const OPERATIONS = 3_000;
// Keys sent twice: some within 64 places of their first send (so likely while it is in flight),
// the rest after it was answered.
const DUPLICATES = 400;
const CUSTOMERS = 40;
const CONCURRENCY = 64;
const SEED = 4_242;
// bill-service is killed once this share of the calls is answered, and again at the second: each
// kill lands mid-load however fast the machine is, with the rest of the workload still to come.
const KILLS_AFTER_SHARE = [0.2, 0.55];
// How long a client keeps retrying one operation: a bound on the run, not a latency goal.
const GIVE_UP_AFTER_MS = 180_000;

const stack = chaosStack();

/** Outages a client retries: the service was unreachable, went away mid-call, or did not answer in time. */
const RETRIED = new Set([Code.Unavailable, Code.DeadlineExceeded]);

describe('the ledger under SIGKILL of bill-service', () => {
  it('keeps the books balanced and applies every key at most once', async () => {
    const ledger = createGrpcClient(LedgerService, stack.billServiceUrl, { timeoutMs: 10_000, serviceCredential: stack.serviceToken });
    const prefix = `ch${Date.now().toString(36)}`;
    const ops = ledgerWorkload(SEED, OPERATIONS, CUSTOMERS, prefix);
    const sent: LedgerOp[] = [...ops];
    for (let index = 0; index < DUPLICATES; index += 1) sent.splice((index * 7_919) % sent.length, 0, ops[(index * 104_729) % ops.length]!);
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    const started = Date.now();
    let failedAttempts = 0;
    const untilAnswered = async (op: LedgerOp): Promise<OpResult | undefined | 'gave up'> => {
      for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 1_000)) {
        try {
          return await sendOp(ledger, op);
        } catch (error) {
          if (!RETRIED.has(ConnectError.from(error).code)) {
            // An answer no client should get: with what the apps logged, so its cause can be found.
            throw new Error(`${op.key} after ${((Date.now() - started) / 1000).toFixed(1)} s: ${String(error)}\n` +
              `--- the stack's last lines ---\n${(await stack.recentOutput(80)).join('\n')}`, { cause: error });
          }
          failedAttempts += 1;
          await sleep(delay);
        }
      }
      return 'gave up';
    };

    const progress = new Progress();
    const chaos = (async () => {
      const answeredWhenBack: number[] = [];
      for (const share of KILLS_AFTER_SHARE) {
        await progress.reached(Math.round(sent.length * share));
        await stack.killApp('bill-service');
        await stack.startApp('bill-service');
        answeredWhenBack.push(progress.done);
      }
      return answeredWhenBack;
    })();
    const [results, answeredWhenBack] = await Promise.all([
      pool(sent, CONCURRENCY, async (op) => {
        const result = await untilAnswered(op);
        progress.finished();
        return result;
      }),
      chaos,
    ]);

    expect(results.filter((result) => result === 'gave up')).toEqual([]);
    // The kills hit calls in flight, and each restarted bill-service answered calls still to come.
    expect(failedAttempts).toBeGreaterThan(0);
    for (const answered of answeredWhenBack) expect(answered).toBeLessThan(sent.length);
    // A key sent twice was answered with one entry both times (or refused both times).
    const applied = new Map<string, string>();
    for (const [index, result] of results.entries()) {
      if (!result || result === 'gave up') continue;
      const key = sent[index]!.key;
      const seen = applied.get(key);
      if (seen !== undefined) expect(result.entryId, `key ${key} answered two entries`).toBe(seen);
      applied.set(key, result.entryId);
    }
    const books = await readBooks(stack.databaseUrl, prefix);
    for (const [currency, net] of Object.entries(books.netByCurrency)) expect(net, `trial balance of ${currency}`).toBe('0');
    expect(books.drifted).toEqual([]);
    expect(books.negativeWallets).toEqual([]);
    // Exactly one entry per key that was answered with an entry; none for a refused one. Refusals
    // happened (the workload overdraws on purpose) and most operations went through.
    expect(books.entries).toBe(applied.size);
    expect(applied.size).toBeGreaterThan(OPERATIONS / 2);
    expect(applied.size).toBeLessThan(OPERATIONS);

    // Every answered key replays its entry, now that the service is up.
    const replays = await pool([...applied], CONCURRENCY, async ([key]) => sendOp(ledger, ops.find((op) => op.key === key)!));
    expect(replays.every((replay, index) => replay?.replayed === true && replay.entryId === [...applied.values()][index])).toBe(true);
    const after = await readBooks(stack.databaseUrl, prefix);
    expect(after.balances).toEqual(books.balances);
    expect(after.entries).toBe(books.entries);
    process.stdout.write(`ledger chaos: ${OPERATIONS} operations, ${applied.size} applied, ${failedAttempts} failed attempts, ` +
      `${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 360_000);
});
