import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { ScriptOutcomesResponseSchema, SimulatedOutcome, type PaymentSimulatorService, type ScriptOutcomesRequest } from '@billing/contracts';
import type { Db } from '@billing/db';
import { SCRIPTED_OUTCOMES_MAX, SCRIPTED_REASON_MAX_CHARS } from '@billing/mandates';
import { checkTextValue } from '@billing/text';
import { customerIdProblems } from '../customer-id.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';


type OutcomeName = Exclude<keyof typeof SimulatedOutcome, 'UNSPECIFIED'>;

interface ScriptRow {
  customer_id: string;
  outcome: OutcomeName;
  reason: string | null;
}

function checkScript(request: ScriptOutcomesRequest): ScriptRow[] {
  const problems: FieldProblem[] = customerIdProblems(request.customerId);
  if (request.outcomes.length < 1 || request.outcomes.length > SCRIPTED_OUTCOMES_MAX) {
    problems.push({ field: 'outcomes', message: `must hold 1 to ${SCRIPTED_OUTCOMES_MAX} outcomes` });
  }
  const rows = request.outcomes.map((scripted, index): ScriptRow => {
    const name = SimulatedOutcome[scripted.outcome] as keyof typeof SimulatedOutcome | undefined;
    if (name === undefined || name === 'UNSPECIFIED') {
      problems.push({ field: `outcomes[${index}].outcome`, message: 'must be one of SUCCEED, DECLINE, TRANSIENT_FAILURE' });
    }
    const reason = scripted.reason === undefined ? undefined : checkTextValue(scripted.reason, SCRIPTED_REASON_MAX_CHARS);
    if (reason?.ok === false) problems.push({ field: `outcomes[${index}].reason`, message: reason.message });
    return { customer_id: request.customerId, outcome: name as OutcomeName, reason: scripted.reason ?? null };
  });
  if (problems.length > 0) throw invalidArgument(problems);
  return rows;
}

/**
 * billing.v1.PaymentSimulatorService: queues outcomes for the built-in payment simulator, which
 * takes a customer's queued outcomes in order, one per charge attempt (the worker's side).
 */
export function createPaymentSimulatorService(db: Db): ServiceImpl<typeof PaymentSimulatorService> {
  return {
    scriptOutcomes: async (request) => {
      const rows = checkScript(request);
      const queued = await db.transaction(async (trx) => {
        await trx('simulator_script').insert(rows);
        const [count] = await trx('simulator_script').where('customer_id', request.customerId).count<{ count: string }[]>({ count: '*' });
        return Number(count?.count ?? 0);
      });
      return create(ScriptOutcomesResponseSchema, { queued });
    },
  };
}
