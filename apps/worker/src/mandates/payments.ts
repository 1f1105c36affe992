// The payment-provider port the mandate workflow charges through, and the built-in simulator that
// implements it on PostgreSQL. A real provider would implement the same port: one charge per
// idempotency key (a success is never repeated; a key declined before may be attempted again),
// a decline as an answer, and a transient failure as a thrown error the activity retries.
import { randomUUID } from 'node:crypto';
import type { Db } from '@billing/db';

export interface ChargeRequest {
  /** collectionKey(mandateId, cycle): the same for every attempt of one cycle. */
  idempotencyKey: string;
  customerId: string;
  amountMinor: string;
  currency: string;
}

export type ChargeResult =
  | { outcome: 'SUCCEEDED'; reference: string }
  | { outcome: 'DECLINED'; reference: string; reason: string };

export interface PaymentProvider {
  /** Names the provider's external account in the ledger, where collected money is booked: `simulator`. */
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

/** The provider could not answer (its outage, a lost connection): retry; nothing was charged. */
export class TransientPaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientPaymentError';
  }
}

interface ScriptRow {
  id: string;
  outcome: 'SUCCEED' | 'DECLINE' | 'TRANSIENT_FAILURE';
  reason: string | null;
}

/**
 * The simulator. Each attempt runs in one transaction under a lock on its key: a key that already
 * succeeded answers that success (REPLAYED) and takes nothing; otherwise the customer's oldest
 * scripted outcome is consumed (none queued: success), the charge and the attempt are recorded,
 * and a scripted transient failure is thrown after they commit.
 */
export function simulatedPayments(db: Db): PaymentProvider {
  return {
    name: 'simulator',
    async charge(request) {
      const result = await db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [request.idempotencyKey]);
        const existing = await trx('simulated_charges').where({ idempotency_key: request.idempotencyKey })
          .first('status', 'reference') as { status: string; reference: string } | undefined;
        if (existing?.status === 'SUCCEEDED') {
          await trx('simulated_charge_attempts').insert({ idempotency_key: request.idempotencyKey, outcome: 'REPLAYED' });
          return { outcome: 'SUCCEEDED', reference: existing.reference } as const;
        }
        const script = await trx('simulator_script').where({ customer_id: request.customerId }).orderBy('id').forUpdate()
          .first('id', 'outcome', 'reason') as ScriptRow | undefined;
        if (script) await trx('simulator_script').where({ id: script.id }).delete();
        if (script?.outcome === 'TRANSIENT_FAILURE') {
          await trx('simulated_charge_attempts').insert({ idempotency_key: request.idempotencyKey, outcome: 'TRANSIENT_FAILURE' });
          return { outcome: 'TRANSIENT', reason: script.reason ?? 'the simulated provider is unavailable' } as const;
        }
        const reference = existing?.reference ?? `sim_${randomUUID().replaceAll('-', '')}`;
        const declined = script?.outcome === 'DECLINE';
        const reason = declined ? script.reason ?? 'card declined' : null;
        await trx.raw(`
          INSERT INTO simulated_charges (idempotency_key, customer_id, amount_minor, currency, status, reference, decline_reason)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (idempotency_key) DO UPDATE SET status = EXCLUDED.status, decline_reason = EXCLUDED.decline_reason,
            amount_minor = EXCLUDED.amount_minor, attempts = simulated_charges.attempts + 1, updated_at = now()`,
        [request.idempotencyKey, request.customerId, request.amountMinor, request.currency, declined ? 'DECLINED' : 'SUCCEEDED',
          reference, reason]);
        await trx('simulated_charge_attempts').insert({ idempotency_key: request.idempotencyKey, outcome: declined ? 'DECLINED' : 'CHARGED' });
        return declined ? { outcome: 'DECLINED', reference, reason: reason ?? 'card declined' } as const : { outcome: 'SUCCEEDED', reference } as const;
      });
      if (result.outcome === 'TRANSIENT') throw new TransientPaymentError(result.reason);
      return result;
    },
  };
}
