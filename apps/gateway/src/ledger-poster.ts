import type { CallOptions, Client } from '@connectrpc/connect';
import type { Entry, LedgerService } from '@billing/contracts';
import { callOptionsFor, type CallingRequest } from './clients.ts';
import { coalescedCalls, SEND_ALONE } from './coalesced-calls.ts';

type Ledger = Client<typeof LedgerService>;

/** A top-up, withdrawal, transfer or adjustment, as its own call takes it and as PostEntries names it. */
export type Posting =
  | { case: 'topUp'; value: Parameters<Ledger['topUp']>[0] }
  | { case: 'withdrawal'; value: Parameters<Ledger['withdraw']>[0] }
  | { case: 'transfer'; value: Parameters<Ledger['transfer']>[0] }
  | { case: 'adjustment'; value: Parameters<Ledger['adjust']>[0] };

export interface Posted {
  entry?: Entry;
  replayed: boolean;
}

/** LedgerService posts a PostEntries call in transactions of at most this many operations. */
const MAX_COALESCED = 128;

/**
 * The REST routes' top-ups, withdrawals, transfers and adjustments. A platform key's concurrent
 * requests share `PostEntries` calls (coalesced-calls.ts): the ledger checks, keys and answers each
 * operation of such a call exactly as its own call (same keys, same refusals, docs/ledger.md), and
 * one refused never fails the others. A request whose operation a coalesced call refused is sent
 * again alone as its own call, which answers it the way it always has (the code, the message and
 * the details of the error); sending again is safe, since the ledger keys every entry and a refused
 * operation posted nothing. Customer keys may not call PostEntries, so theirs go alone.
 */
export function ledgerPoster(ledger: Ledger, callTimeoutMs: number) {
  const alone = async (posting: Posting, options: CallOptions): Promise<Posted> => {
    switch (posting.case) {
      case 'topUp': return ledger.topUp(posting.value, options);
      case 'withdrawal': return ledger.withdraw(posting.value, options);
      case 'transfer': return ledger.transfer(posting.value, options);
      case 'adjustment': return ledger.adjust(posting.value, options);
    }
  };
  const coalesced = coalescedCalls<Posting, Posted>({
    maxBatch: MAX_COALESCED,
    callTimeoutMs,
    alone,
    together: async (postings, options) => {
      const { results } = await ledger.postEntries({ operations: postings.map((operation) => ({ operation })) }, options);
      return results.map((result) => (result.result.case === 'entry' ? { entry: result.result.value, replayed: result.replayed } : SEND_ALONE));
    },
  });

  return (posting: Posting, request: CallingRequest & { socket: { destroyed: boolean } }): Promise<Posted> => {
    if (request.caller === null || request.caller.customerId !== null) return alone(posting, callOptionsFor(request, callTimeoutMs));
    return coalesced(posting, request, () => request.socket.destroyed);
  };
}
