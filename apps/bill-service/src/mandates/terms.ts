// The pure checks of a mandate's terms that bill-service runs before anything reaches Temporal.
// They belong in @billing/mandates (`checkNewMandate`, `checkTermsChange`), where the mandate
// workflow's Update validators run the very same functions; until that module is available this
// adapter holds interim versions with the same names and shapes, and nothing else in bill-service
// checks terms. Replace the bodies below with
//   export { checkNewMandate, checkTermsChange } from '@billing/mandates';
// once it exports them.
import {
  compareLocalDates, formatLocalDate, isValidTimeZone, localDateAt, parseLocalDate, parseLocalTime, type LocalDate,
} from '@billing/calendar';
import { FREQUENCIES, isFrequency, type Frequency, type TermsChange } from '@billing/mandates';
import { isCurrency, isMoneyError, parseMoney } from '@billing/money';

export interface TermsProblem {
  readonly field: string;
  readonly message: string;
}

export type TermsCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly TermsProblem[] };

/** A new mandate as a caller sends it: an empty time zone or collection time means the default. */
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

/** A new mandate's terms, normalised: trimmed description, canonical amount, defaults applied. */
export interface CheckedNewMandate {
  customerId: string;
  description: string;
  /** Major units with exactly the currency's decimals. */
  amount: string;
  amountMinor: string;
  currency: string;
  frequency: Frequency;
  firstCollectionDate: string;
  endDate: string | null;
  timeZone: string;
  collectionTime: string;
  autoExecution: boolean;
  reminderDaysBefore: number;
}

/** The mandate as it stands, which a change of terms is checked against. */
export interface MandateTermsContext {
  amount: { amount: string; currency: string };
  firstCollectionDate: string;
  timeZone: string;
}

const DESCRIPTION_MAX_CHARS = 500;
const REMINDER_DAYS_MAX = 30;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** A caller's text in a message: quoted, and cut, so a megabyte of input is not echoed back. */
function quoted(value: unknown): string {
  if (typeof value !== 'string') return `a ${value === null ? 'null' : typeof value}`;
  const chars = [...value];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
}

class Findings {
  readonly problems: TermsProblem[] = [];

  add(field: string, message: string): undefined {
    this.problems.push({ field, message });
    return undefined;
  }

  description(value: unknown): string | undefined {
    const text = typeof value === 'string' ? value.trim() : '';
    if (text.length === 0) return this.add('description', 'is required and must not be blank');
    if ([...text].length > DESCRIPTION_MAX_CHARS) return this.add('description', `must be at most ${DESCRIPTION_MAX_CHARS} characters`);
    if (CONTROL.test(text)) return this.add('description', 'must not contain control characters');
    return text;
  }

  currency(value: unknown): string | undefined {
    return typeof value === 'string' && isCurrency(value)
      ? value
      : this.add('currency', `${quoted(value)} is not a supported ISO 4217 currency code`);
  }

  /** Needs the currency for its decimals; with none known, the currency's own problem is the one reported. */
  amount(value: unknown, currency: string | undefined): { amount: string; minor: string } | undefined {
    if (typeof value !== 'string') return this.add('amount', 'must be a decimal string like "10.50"');
    if (currency === undefined) return undefined;
    try {
      const money = parseMoney(value, currency, { positive: true });
      return { amount: money.toDecimalString(), minor: money.minor.toString() };
    } catch (error) {
      if (!isMoneyError(error)) throw error;
      return this.add('amount', error.message);
    }
  }

  frequency(value: unknown): Frequency | undefined {
    return typeof value === 'string' && isFrequency(value) ? value : this.add('frequency', `must be one of ${FREQUENCIES.join(', ')}`);
  }

  date(field: string, value: unknown): LocalDate | undefined {
    const date = typeof value === 'string' ? parseLocalDate(value) : undefined;
    return date ?? this.add(field, `${quoted(value)} is not a date as YYYY-MM-DD`);
  }

  /** Not before the local date of `now` in `timeZone`. */
  notPast(field: string, date: LocalDate, now: Date, timeZone: string): void {
    const today = localDateAt(now, timeZone);
    if (compareLocalDates(date, today) < 0) this.add(field, `must be today (${formatLocalDate(today)} in ${timeZone}) or later`);
  }
}

export function checkNewMandate(input: NewMandateInput, now: Date): TermsCheck<CheckedNewMandate> {
  const found = new Findings();
  const description = found.description(input.description);
  const currency = found.currency(input.currency);
  const amount = found.amount(input.amount, currency);
  const frequency = found.frequency(input.frequency);
  const timeZone = input.timeZone === undefined || input.timeZone === '' ? 'UTC' : input.timeZone;
  const zoneKnown = isValidTimeZone(timeZone);
  if (!zoneKnown) found.add('timeZone', `${quoted(timeZone)} is not an IANA time zone`);
  const collectionTime = input.collectionTime === undefined || input.collectionTime === '' ? '00:00' : input.collectionTime;
  if (parseLocalTime(collectionTime) === undefined) found.add('collectionTime', `${quoted(collectionTime)} is not a local time as HH:MM (00:00–23:59)`);
  if (typeof input.autoExecution !== 'boolean') found.add('autoExecution', 'must be true or false');
  const reminderDaysBefore = input.reminderDaysBefore ?? 0;
  if (!Number.isSafeInteger(reminderDaysBefore) || reminderDaysBefore < 0 || reminderDaysBefore > REMINDER_DAYS_MAX) {
    found.add('reminderDaysBefore', `must be a whole number from 0 to ${REMINDER_DAYS_MAX}`);
  }
  const first = found.date('firstCollectionDate', input.firstCollectionDate);
  const hasEnd = input.endDate !== undefined && input.endDate !== null && input.endDate !== '';
  const end = hasEnd ? found.date('endDate', input.endDate) : null;
  if (first && zoneKnown) found.notPast('firstCollectionDate', first, now, timeZone);
  if (first && end && compareLocalDates(end, first) < 0) found.add('endDate', 'must not be before firstCollectionDate');
  if (found.problems.length > 0 || !description || !currency || !amount || !frequency || !first || end === undefined) {
    return { ok: false, problems: found.problems };
  }
  return {
    ok: true,
    value: {
      customerId: input.customerId, description, amount: amount.amount, amountMinor: amount.minor, currency, frequency,
      firstCollectionDate: formatLocalDate(first), endDate: end === null ? null : formatLocalDate(end),
      timeZone, collectionTime, autoExecution: input.autoExecution, reminderDaysBefore,
    },
  };
}

export function checkTermsChange(change: TermsChange, now: Date, mandate: MandateTermsContext): TermsCheck<TermsChange> {
  const found = new Findings();
  const given = (field: keyof TermsChange) => change[field] !== undefined;
  if (!(['amount', 'currency', 'description', 'frequency', 'endDate'] as const).some(given)) {
    found.add('change', 'must change at least one of amount, currency, description, frequency, endDate');
  }
  const value: TermsChange = {};
  if (given('description')) value.description = found.description(change.description);
  const currency = given('currency') ? found.currency(change.currency) : mandate.amount.currency;
  if (given('currency')) value.currency = currency;
  // A new currency alone must still fit the current amount's decimals (10.50 USD cannot become JPY).
  if (given('amount') || given('currency')) {
    const amount = found.amount(given('amount') ? change.amount : mandate.amount.amount, currency);
    if (given('amount')) value.amount = amount?.amount;
  }
  if (given('frequency')) value.frequency = found.frequency(change.frequency);
  if (change.endDate === null) value.endDate = null;
  else if (given('endDate')) {
    const end = found.date('endDate', change.endDate);
    const first = parseLocalDate(mandate.firstCollectionDate);
    if (end) {
      found.notPast('endDate', end, now, mandate.timeZone);
      if (first && compareLocalDates(end, first) < 0) found.add('endDate', 'must not be before firstCollectionDate');
      value.endDate = formatLocalDate(end);
    }
  }
  return found.problems.length > 0 ? { ok: false, problems: found.problems } : { ok: true, value };
}
