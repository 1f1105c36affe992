// Posting entries with group commit: concurrent plans leave together as one transaction (a
// @billing/runtime batcher whose unit is a transaction), so a hot account's row is locked and updated once per batch and one
// commit's fsync serves many callers. A batch is all or nothing in the database; when one plan
// in it breaks a rule that is that plan's own (a wallet would go below zero), the others must not
// fail with it, so the batch is posted again plan by plan and each caller gets its own answer.
import { insufficientFunds, type EntryPlan } from '@billing/ledger';
import { createBatcher } from '@billing/runtime';
import { ledgerMetrics } from './ledger-metrics.ts';
import type { LedgerRepository, PostOutcome } from './ledger-repository.ts';

export interface LedgerWriterOptions {
  /** Plans per transaction at most. */
  maxBatch?: number;
  /** Transactions in flight at once (each holds a pooled connection while it runs). */
  maxInFlight?: number;
}

export type Settled = { outcome: PostOutcome } | { error: unknown };

const WALLET_NOT_NEGATIVE = 'ledger_accounts_wallet_not_negative';

export function isOverdraft(error: unknown): boolean {
  const pg = error as { code?: string; constraint?: string } | null;
  return pg?.code === '23514' && pg.constraint === WALLET_NOT_NEGATIVE;
}

/**
 * Counts an entry once it is committed; a replayed key wrote nothing and is not counted. Every
 * path that posts (the writer's batches, single or a caller's own, and payments posted under a lock) ends here.
 */
export function countPosted(outcome: PostOutcome): PostOutcome {
  if (!outcome.replayed) ledgerMetrics().entriesPosted.inc({ type: outcome.entry.type });
  return outcome;
}

export function ledgerWriter(repository: LedgerRepository, { maxBatch = 128, maxInFlight = 2 }: LedgerWriterOptions = {}) {
  ledgerMetrics(); // Registered as the ledger is built, so a scrape shows the family before the first entry.
  async function postAlone(plan: EntryPlan): Promise<Settled> {
    try {
      const [outcome] = await repository.postMany([plan]);
      return { outcome: countPosted(outcome!) };
    } catch (error) {
      return { error: isOverdraft(error) ? insufficientFunds(plan, error) : error };
    }
  }

  /**
   * One transaction for all of `plans`, in their order. If one of them would take a wallet below
   * zero (the database judges each wallet after every posting in turn, so entries never fund each
   * other within a batch), nothing is written and the plans are posted again one by one, in
   * order: each is then accepted or refused exactly as it would be alone.
   */
  async function postBatch(plans: readonly EntryPlan[]): Promise<Settled[]> {
    try {
      return (await repository.postMany(plans)).map((outcome) => ({ outcome: countPosted(outcome) }));
    } catch (error) {
      if (!isOverdraft(error)) throw error;
      const settled: Settled[] = [];
      for (const plan of plans) settled.push(await postAlone(plan));
      return settled;
    }
  }

  const group = createBatcher((_target: 'ledger') => 'ledger', (_target, plans: EntryPlan[]) => postBatch(plans), { maxBatch, maxInFlight });

  return {
    /**
     * Posts a caller's own batch in its order: transactions of at most `maxBatch` plans, one after
     * the other, apart from other callers' group commits. Answers one result per plan; a refusal
     * (a short wallet) is that plan's answer, any other failure rejects the whole call.
     */
    async postInOrder(plans: readonly EntryPlan[]): Promise<Settled[]> {
      const settled: Settled[] = [];
      for (let start = 0; start < plans.length; start += maxBatch) settled.push(...await postBatch(plans.slice(start, start + maxBatch)));
      return settled;
    },

    /** Posts one plan (or answers the entry its key posted before). */
    async post(plan: EntryPlan): Promise<PostOutcome> {
      const settled = await group.add('ledger', plan);
      if ('error' in settled) throw settled.error;
      return settled.outcome;
    },
  };
}

export type LedgerWriter = ReturnType<typeof ledgerWriter>;
