// PostgreSQL aborts a transaction that a concurrent one conflicts with: a deadlock it detected
// (40P01) or a serialization failure (40001). Nothing of it was written, so running the whole
// transaction again is safe, and is what PostgreSQL's documentation asks of the application.

const CONFLICT_CODES = new Set(['40001', '40P01']);

/** True for a transaction PostgreSQL aborted because of a concurrent one: safe to run again. */
export function isTransactionConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
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
