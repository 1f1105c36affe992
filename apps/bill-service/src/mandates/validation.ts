// What bill-service checks of a mandate request before Temporal hears of it: the keys of the
// request here, the terms themselves through ./terms.ts (the checks the workflow shares).
import { compareLocalDates, formatLocalDate, localDateAt, parseLocalDate } from '@billing/calendar';
import { moneyView } from '@billing/bills';
import { UPCOMING_DEFAULT, UPCOMING_MAX, type TermsChange } from '@billing/mandates';
import type { CreateMandateRequest, UpdateMandateRequest } from '@billing/contracts';
import { billCurrencyProblems, withPolicyProblems, type BillCurrencyPolicy } from '../bill-currencies.ts';
import { customerIdProblems } from '../customer-id.ts';
import { idempotencyKeyProblems } from '../idempotency-key.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';
import { frequencyName } from './mandate-view.ts';
import type { MandateRow } from './mandates-repository.ts';
import { checkNewMandate, checkTermsChange, type CheckedNewMandate } from '@billing/mandates';

const MANDATE_ID = /^mnd_[A-Za-z0-9]{1,64}$/;

function fail(problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument([...problems]);
}

export interface MandateKey {
  customerId: string;
  mandateId: string;
}

export function checkMandateKey(request: MandateKey): MandateKey {
  const problems = customerIdProblems(request.customerId);
  if (!MANDATE_ID.test(request.mandateId)) problems.push({ field: 'mandateId', message: 'must be a mandate id such as mnd_5f2c…' });
  fail(problems);
  return { customerId: request.customerId, mandateId: request.mandateId };
}

/** A control's key and its Idempotency-Key ('' for none, else 1–255 printable ASCII characters). */
export function checkControlKey(request: MandateKey & { idempotencyKey: string }): MandateKey & { idempotencyKey: string } {
  const problems = customerIdProblems(request.customerId);
  if (!MANDATE_ID.test(request.mandateId)) problems.push({ field: 'mandateId', message: 'must be a mandate id such as mnd_5f2c…' });
  problems.push(...idempotencyKeyProblems(request.idempotencyKey));
  fail(problems);
  return { customerId: request.customerId, mandateId: request.mandateId, idempotencyKey: request.idempotencyKey };
}

export function checkCustomer(customerId: string): string {
  fail(customerIdProblems(customerId));
  return customerId;
}

/** How many next due dates to list: 0 means the default. */
export function checkUpcoming(upcoming: number): number {
  if (upcoming === 0) return UPCOMING_DEFAULT;
  if (upcoming < 1 || upcoming > UPCOMING_MAX) fail([{ field: 'upcoming', message: `must be between 1 and ${UPCOMING_MAX}` }]);
  return upcoming;
}

export function checkCreateMandate(
  request: CreateMandateRequest, now: Date, currencies: BillCurrencyPolicy,
): { terms: CheckedNewMandate; idempotencyKey?: string } {
  const problems = customerIdProblems(request.customerId);
  problems.push(...idempotencyKeyProblems(request.idempotencyKey));
  const checked = checkNewMandate({
    customerId: request.customerId,
    description: request.description,
    amount: request.amount,
    currency: request.currency,
    frequency: frequencyName(request.frequency),
    firstCollectionDate: request.firstCollectionDate,
    endDate: request.endDate ?? null,
    timeZone: request.timeZone,
    collectionTime: request.collectionTime,
    autoExecution: request.autoExecution,
    reminderDaysBefore: request.reminderDaysBefore,
  }, now);
  const refused = billCurrencyProblems('currency', request.currency, currencies, 'mandates');
  fail([...problems, ...withPolicyProblems(checked.ok ? [] : checked.problems, refused)]);
  if (!checked.ok) throw new Error('unreachable: a failed check has problems');
  return { terms: checked.value, ...(request.idempotencyKey === '' ? {} : { idempotencyKey: request.idempotencyKey }) };
}

/** The change the caller asked for, checked against the mandate as it stands. */
export function checkUpdateMandate(
  request: UpdateMandateRequest, mandate: MandateRow, now: Date, currencies: BillCurrencyPolicy,
): TermsChange {
  if (request.clearEndDate && request.endDate !== undefined) {
    fail([{ field: 'endDate', message: 'give a new end date or clear it, not both' }]);
  }
  const change: TermsChange = {
    ...(request.amount !== undefined ? { amount: request.amount } : {}),
    ...(request.currency !== undefined ? { currency: request.currency } : {}),
    ...(request.description !== undefined ? { description: request.description } : {}),
    ...(request.frequency !== 0 ? { frequency: frequencyName(request.frequency) as TermsChange['frequency'] } : {}),
    ...(request.endDate !== undefined ? { endDate: request.endDate } : request.clearEndDate ? { endDate: null } : {}),
  };
  const checked = checkTermsChange(change, now, {
    amount: moneyView(mandate.amount_minor, mandate.currency),
    firstCollectionDate: mandate.first_collection_date,
    timeZone: mandate.time_zone,
  });
  // The mandate's own currency stays acceptable: the mandate was accepted in it.
  const refused = request.currency === undefined || request.currency === mandate.currency
    ? [] : billCurrencyProblems('currency', request.currency, currencies, 'mandates');
  fail(withPolicyProblems(checked.ok ? [] : checked.problems, refused));
  return checked.ok ? checked.value : change;
}

/** A pause's optional resume date: a real date after today in the mandate's time zone. */
export function checkResumeOn(resumeOn: string | undefined, mandate: MandateRow, now: Date): string | null {
  if (resumeOn === undefined || resumeOn === '') return null;
  const date = parseLocalDate(resumeOn);
  if (date === undefined) fail([{ field: 'resumeOn', message: `${JSON.stringify(resumeOn.slice(0, 40))} is not a date as YYYY-MM-DD` }]);
  const today = localDateAt(now, mandate.time_zone);
  if (date && compareLocalDates(date, today) <= 0) {
    fail([{ field: 'resumeOn', message: `must be after today (${formatLocalDate(today)} in ${mandate.time_zone})` }]);
  }
  return resumeOn;
}

export function checkCycle(cycle: number): number {
  if (cycle < 1) fail([{ field: 'cycle', message: 'must be a collection cycle, numbered from 1' }]);
  return cycle;
}
