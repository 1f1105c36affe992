// The shape of a mandate's terms, checked by one pure function for each way they arrive: a new
// mandate (bill-service refuses it with a 400 before anything reaches Temporal) and a change of
// terms (bill-service, and the workflow's Update validator, so nothing malformed reaches history).
// Every problem is reported, each naming its field, so a client can fix its request in one go.
import {
  compareLocalDates, formatLocalDate, isValidTimeZone, localDateAt, parseLocalDate, parseLocalTime, type LocalDate,
} from '@billing/calendar';
import { isCurrency, isMoneyError, parseMoney } from '@billing/money';
import { DESCRIPTION_MAX_CHARS, charCount, checkFreeText } from '@billing/text';
import { FREQUENCIES, isFrequency, type Frequency } from './schedule.ts';
import type { TermsChange } from './messages.ts';
import type { CollectionTerms } from './views.ts';

export { DESCRIPTION_MAX_CHARS };
export const REMINDER_DAYS_MAX = 30;
const DEFAULT_TIME_ZONE = 'UTC';
const DEFAULT_COLLECTION_TIME = '00:00';
/** Longer values are cut in messages: a megabyte of garbage is not echoed back. */
const SHOWN_CHARS = 40;

export interface TermsProblem {
  readonly field: string;
  readonly message: string;
}

export type TermsCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly TermsProblem[] };

/** A new mandate as a caller sends it: empty time zone / collection time mean the defaults. */
export interface NewMandateInput {
  customerId: string;
  description: string;
  amount: string;
  currency: string;
  frequency: string;
  firstCollectionDate: string;
  endDate?: string | null;
  timeZone?: string;
  collectionTime?: string;
  autoExecution: boolean;
  reminderDaysBefore?: number;
}

/** A new mandate's terms, checked and normalised (trimmed description, canonical amount, defaults applied). */
export interface CheckedNewMandate extends CollectionTerms {
  customerId: string;
  description: string;
  /** Canonical major units with the currency's decimals: "10.50". */
  amount: string;
  amountMinor: string;
  currency: string;
}

/** What a change of terms is checked against: the mandate as it stands. */
export interface MandateTermsContext {
  amount: { amount: string; currency: string };
  firstCollectionDate: string;
  timeZone: string;
}

function shown(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > SHOWN_CHARS ? `${chars.slice(0, SHOWN_CHARS).join('')}…` : text);
}

class Problems {
  readonly list: TermsProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
}

/**
 * `previousTextRule`: judge a description as it was judged before the platform's free-text rule
 * (trimmed and its length only). Only for a mandate workflow replaying history recorded before
 * that rule, so that its handlers decide as they did then (see MANDATE_PATCHES in the worker).
 */
export interface TermsCheckOptions {
  readonly previousTextRule?: boolean;
}

function checkDescription(problems: Problems, value: unknown, options: TermsCheckOptions = {}): string | undefined {
  if (typeof value !== 'string') return problems.add('description', 'must be a string'), undefined;
  if (options.previousTextRule === true) {
    const chars = charCount(value.trim());
    if (chars > 0 && chars <= DESCRIPTION_MAX_CHARS) return value.trim();
    problems.add('description', chars === 0 ? 'must not be empty' : `must be at most ${DESCRIPTION_MAX_CHARS} characters`);
    return undefined;
  }
  const check = checkFreeText(value, { maxChars: DESCRIPTION_MAX_CHARS });
  if (check.ok) return check.text;
  problems.add('description', check.message);
  return undefined;
}

function checkCurrency(problems: Problems, value: unknown): string | undefined {
  if (typeof value === 'string' && isCurrency(value)) return value;
  problems.add('currency', `${typeof value === 'string' ? shown(value) : 'it'} is not an ISO 4217 currency`);
  return undefined;
}

/** The amount in `currency`, > 0 with at most its minor digits; undefined (and a problem) otherwise. */
function checkAmount(problems: Problems, value: unknown, currency: string | undefined): { amount: string; minor: string } | undefined {
  if (typeof value !== 'string') return problems.add('amount', 'must be a decimal string like "10.50"'), undefined;
  if (currency === undefined) return undefined; // the currency's problem is reported; the decimals cannot be judged
  try {
    const money = parseMoney(value, currency, { positive: true });
    return { amount: money.toDecimalString(), minor: money.minor.toString() };
  } catch (error) {
    if (!isMoneyError(error)) throw error;
    problems.add('amount', error.message);
    return undefined;
  }
}

function checkFrequency(problems: Problems, value: unknown): Frequency | undefined {
  if (typeof value === 'string' && isFrequency(value)) return value;
  problems.add('frequency', `must be one of ${FREQUENCIES.join(', ')}`);
  return undefined;
}

function checkDate(problems: Problems, field: string, value: unknown): LocalDate | undefined {
  const date = typeof value === 'string' ? parseLocalDate(value) : undefined;
  if (!date) problems.add(field, `${typeof value === 'string' ? shown(value) : 'it'} is not a YYYY-MM-DD date`);
  return date;
}

/**
 * Checks a new mandate. `today` is the current instant; "today" for the dates is its local date in
 * the mandate's time zone, so a first collection "today" is accepted in every zone where it is still today.
 */
export function checkNewMandate(input: NewMandateInput, today: Date): TermsCheck<CheckedNewMandate> {
  const problems = new Problems();
  const customerId = typeof input.customerId === 'string' ? input.customerId.trim() : '';
  if (customerId.length === 0 || customerId.length > 255) problems.add('customerId', 'must be 1 to 255 characters');
  const description = checkDescription(problems, input.description);
  const currency = checkCurrency(problems, input.currency);
  const amount = checkAmount(problems, input.amount, currency);
  const frequency = checkFrequency(problems, input.frequency);
  const timeZone = input.timeZone === undefined || input.timeZone === '' ? DEFAULT_TIME_ZONE : input.timeZone;
  const zoneOk = typeof timeZone === 'string' && isValidTimeZone(timeZone);
  if (!zoneOk) problems.add('timeZone', `${typeof timeZone === 'string' ? shown(timeZone) : 'it'} is not an IANA time zone`);
  const collectionTime = input.collectionTime === undefined || input.collectionTime === '' ? DEFAULT_COLLECTION_TIME : input.collectionTime;
  if (typeof collectionTime !== 'string' || !parseLocalTime(collectionTime)) {
    problems.add('collectionTime', 'must be a local time HH:MM (00:00 to 23:59)');
  }
  if (typeof input.autoExecution !== 'boolean') problems.add('autoExecution', 'must be true or false');
  const reminderDaysBefore = input.reminderDaysBefore ?? 0;
  if (!Number.isSafeInteger(reminderDaysBefore) || reminderDaysBefore < 0 || reminderDaysBefore > REMINDER_DAYS_MAX) {
    problems.add('reminderDaysBefore', `must be a whole number from 0 to ${REMINDER_DAYS_MAX}`);
  }
  const first = checkDate(problems, 'firstCollectionDate', input.firstCollectionDate);
  const end = input.endDate === undefined || input.endDate === null || input.endDate === ''
    ? null : checkDate(problems, 'endDate', input.endDate);
  if (first && zoneOk) {
    const localToday = localDateAt(today, timeZone);
    if (compareLocalDates(first, localToday) < 0) {
      problems.add('firstCollectionDate', `must be today (${formatLocalDate(localToday)} in ${timeZone}) or later`);
    }
  }
  if (first && end && compareLocalDates(end, first) < 0) problems.add('endDate', 'must not be before firstCollectionDate');

  if (problems.list.length > 0 || !description || !currency || !amount || !frequency || !first || end === undefined) {
    return { ok: false, problems: problems.list };
  }
  return {
    ok: true,
    value: {
      customerId, description, amount: amount.amount, amountMinor: amount.minor, currency, frequency,
      firstCollectionDate: formatLocalDate(first), endDate: end ? formatLocalDate(end) : null,
      timeZone, collectionTime, autoExecution: input.autoExecution, reminderDaysBefore,
    },
  };
}

/**
 * Checks a change of terms against the mandate as it stands (`mandate`): at least one field; an
 * amount with at most the (new or current) currency's decimals; a new currency the current amount
 * fits when no amount comes with it; an end date neither before today (the current instant's local
 * date in the mandate's time zone) nor before the first collection date. The value is the change
 * normalised (trimmed description, canonical amount).
 */
export function checkTermsChange(
  change: TermsChange, today: Date, mandate: MandateTermsContext, options: TermsCheckOptions = {},
): TermsCheck<TermsChange> {
  const problems = new Problems();
  if (typeof change !== 'object' || change === null) return { ok: false, problems: [{ field: 'change', message: 'must be an object' }] };
  const value: TermsChange = {};
  const has = (field: keyof TermsChange) => change[field] !== undefined;
  if (!has('amount') && !has('currency') && !has('description') && !has('frequency') && !has('endDate')) {
    problems.add('change', 'must change at least one of amount, currency, description, frequency, endDate');
  }
  if (has('description')) {
    const description = checkDescription(problems, change.description, options);
    if (description) value.description = description;
  }
  const currency = has('currency') ? checkCurrency(problems, change.currency) : mandate.amount.currency;
  if (has('currency') && currency) value.currency = currency;
  if (has('amount') || has('currency')) {
    const amount = checkAmount(problems, has('amount') ? change.amount : mandate.amount.amount, currency);
    if (amount && has('amount')) value.amount = amount.amount;
  }
  if (has('frequency')) {
    const frequency = checkFrequency(problems, change.frequency);
    if (frequency) value.frequency = frequency;
  }
  if (change.endDate === null) value.endDate = null;
  else if (has('endDate')) {
    const end = checkDate(problems, 'endDate', change.endDate);
    const first = parseLocalDate(mandate.firstCollectionDate);
    if (end) {
      const localToday = localDateAt(today, mandate.timeZone);
      if (compareLocalDates(end, localToday) < 0) problems.add('endDate', `must be today (${formatLocalDate(localToday)}) or later`);
      else if (first && compareLocalDates(end, first) < 0) problems.add('endDate', 'must not be before firstCollectionDate');
      else value.endDate = formatLocalDate(end);
    }
  }
  return problems.list.length > 0 ? { ok: false, problems: problems.list } : { ok: true, value };
}
