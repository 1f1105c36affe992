// Calendar rules for a billing period: the month `YYYY-MM` in the bill's IANA time zone, from
// the first instant of the month to the first instant of the next one. Computed with the
// runtime's own time-zone data (Intl), so no date library is needed and the workflow sandbox can
// run it too. Pure: no clock is read here, callers pass `now`.

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

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a name the runtime knows as an IANA time zone ("UTC", "Europe/Berlin"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `epochMs`, in milliseconds (local wall time − UTC). */
function offsetAt(epochMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = Date.UTC(fields.year ?? 0, (fields.month ?? 1) - 1, fields.day ?? 1,
    fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0);
  const wholeSeconds = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return wall - wholeSeconds;
}

const DAY_MS = 86_400_000;

/**
 * The first instant of the local day `year-month-day` in `timeZone`. When midnight happens
 * twice (clocks fall back over it) that is the earlier one; when midnight does not exist (clocks
 * jump forward over it, as in America/Havana) it is the instant of the jump.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): Date {
  const wallMidnight = Date.UTC(year, month - 1, day);
  const offsets = new Set([offsetAt(wallMidnight - DAY_MS, timeZone), offsetAt(wallMidnight + DAY_MS, timeZone)]);
  const exact = [...offsets]
    .map((offset) => wallMidnight - offset)
    .filter((instant) => instant + offsetAt(instant, timeZone) === wallMidnight);
  if (exact.length > 0) return new Date(Math.min(...exact));
  // Midnight falls in a gap: find the jump between the two candidates by bisection.
  const candidates = [...offsets].map((offset) => wallMidnight - offset);
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (middle + offsetAt(middle, timeZone) >= wallMidnight) after = middle;
    else before = middle;
  }
  return new Date(after);
}

/** Bounds of a billing period in a time zone; throws on a malformed period or unknown zone. */
export function periodBounds(billingPeriod: string, timeZone: string): PeriodBounds {
  const period = parseBillingPeriod(billingPeriod);
  if (!period) throw new RangeError(`billing period ${JSON.stringify(billingPeriod)} is not YYYY-MM`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`${JSON.stringify(timeZone)} is not an IANA time zone`);
  const next = period.month === 12 ? { year: period.year + 1, month: 1 } : { year: period.year, month: period.month + 1 };
  return {
    start: startOfLocalDay(period.year, period.month, 1, timeZone),
    end: startOfLocalDay(next.year, next.month, 1, timeZone),
  };
}

/** True once `now` is at or past the period's end in the bill's time zone. */
export function periodHasEnded(billingPeriod: string, timeZone: string, now: Date): boolean {
  return now.getTime() >= periodBounds(billingPeriod, timeZone).end.getTime();
}
