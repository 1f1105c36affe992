import { Code } from '@connectrpc/connect';
import { isTransactionConflict } from '@billing/db';
import type { ErrorMapper } from '@billing/grpc-kit';

// Node's socket errors, PostgreSQL's "connection exception" class (08xxx) and its shutdown and
// start-up states (57P01-57P03); knex's pool timeout and pg's dropped connection carry no code.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const POSTGRES_DOWN = /^(08...|57P0[123])$/;

/**
 * PostgreSQL out of reach, whichever service's call found it so: `unavailable`, which the caller
 * may retry (the interceptor logs the cause). Every service of bill-service shares it.
 */
export const databaseErrors: ErrorMapper = (error) => {
  if (!(error instanceof Error)) return undefined;
  // Still conflicting after the writer ran it again: nothing was written, and the request may be sent again.
  if (isTransactionConflict(error)) return { code: Code.Aborted, message: 'a concurrent change conflicted with this one; send it again' };
  const code = (error as { code?: unknown }).code;
  const down = (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_DOWN.test(code)))
    || error.name === 'KnexTimeoutError' || /^Connection terminated/.test(error.message);
  return down ? { code: Code.Unavailable, message: 'the database is unavailable' } : undefined;
};
