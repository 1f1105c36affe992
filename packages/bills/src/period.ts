// Calendar rules for a billing period: the month `YYYY-MM` in the bill's IANA time zone, from
// the first instant of the month to the first instant of the next one. The time-zone arithmetic
// is @billing/calendar's. Pure: no clock is read here, callers pass `now`.
import { isValidTimeZone, startOfLocalDay } from '@billing/calendar';

export interface BillingPeriod {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
}

export interface PeriodBounds {
  /** First instant of the month in the bill's time zone (inclusive). */
  readonly start: Date;
  /** First instant of the next month in the bill's time zone (exclusive). */
  readonly end: Date;
}

const PERIOD_PATTERN = /^(2\d{3})-(0[1-9]|1[0-2])$/;

/** Strict `YYYY-MM`, years 2000–2999, months 01–12; undefined for anything else. */
export function parseBillingPeriod(text: string): BillingPeriod | undefined {
  const match = PERIOD_PATTERN.exec(text);
  if (!match) return undefined;
  return { year: Number(match[1]), month: Number(match[2]) };
}

/** Bounds of a billing period in a time zone; throws on a malformed period or unknown zone. */
export function periodBounds(billingPeriod: string, timeZone: string): PeriodBounds {
  const period = parseBillingPeriod(billingPeriod);
  if (!period) throw new RangeError(`billing period ${JSON.stringify(billingPeriod)} is not YYYY-MM`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`${JSON.stringify(timeZone)} is not an IANA time zone`);
  const next = period.month === 12 ? { year: period.year + 1, month: 1 } : { year: period.year, month: period.month + 1 };
  return {
    start: startOfLocalDay({ year: period.year, month: period.month, day: 1 }, timeZone),
    end: startOfLocalDay({ year: next.year, month: next.month, day: 1 }, timeZone),
  };
}

/** True once `now` is at or past the period's end in the bill's time zone. */
export function periodHasEnded(billingPeriod: string, timeZone: string, now: Date): boolean {
  return now.getTime() >= periodBounds(billingPeriod, timeZone).end.getTime();
}
