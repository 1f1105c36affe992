// PostgreSQL aborts a transaction that a concurrent one conflicts with: a deadlock it detected
// (40P01) or a serialization failure (40001). Nothing of it was written, so running the whole
// transaction again is safe, and is what PostgreSQL's documentation asks of the application.

const CONFLICT_CODES = new Set(['40001', '40P01']);

// One internal error is treated the same way. The ledger's chaos test (bill-service SIGKILLed under
// load) met it once in many runs: PostgreSQL 18.4 aborted a postings insert with this message
// (XX000), a check inside its row locking that found two transactions updating one account row.
// The statement and its transaction were aborted and nothing of them was written, so running the
// transaction again is as safe as after a deadlock (docs/ledger.md).
const MULTIXACT_RACE = { code: 'XX000', message: 'new multixact has more than one updating member' };

/** True for a transaction PostgreSQL aborted because of a concurrent one: safe to run again. */
export function isTransactionConflict(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return false;
  if (CONFLICT_CODES.has(code)) return true;
  return code === MULTIXACT_RACE.code && typeof message === 'string' && message.includes(MULTIXACT_RACE.message);
}

/**
 * Runs `transaction` (a whole transaction, begun and committed inside it) again when PostgreSQL
 * aborts it for a conflict with a concurrent one, after a short random pause, up to `attempts`
 * times in all; the last conflict is thrown.
 */
export async function retryOnConflict<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
