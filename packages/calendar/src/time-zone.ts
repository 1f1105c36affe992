// Wall-clock time in IANA time zones, computed with the runtime's own time-zone data (Intl), so
// no date library is needed and Temporal's workflow sandbox can run it too. Pure: no clock is read.
import type { LocalDate } from './local-date.ts';

export interface LocalTime {
  /** 0–23 */
  readonly hour: number;
  /** 0–59 */
  readonly minute: number;
}

export const MIDNIGHT: LocalTime = { hour: 0, minute: 0 };

const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Strict 24-hour `HH:MM`; undefined for anything else. */
export function parseLocalTime(text: string): LocalTime | undefined {
  const match = TIME_PATTERN.exec(text);
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : undefined;
}

export function formatLocalTime(time: LocalTime): string {
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
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

interface WallClock extends LocalDate, LocalTime {
  readonly second: number;
}

const isUtc = new Map<string, boolean>();

/** Whether `timeZone` names UTC itself ("UTC", "Etc/UTC", ...): its wall clock is the Date's UTC fields. */
function namesUtc(timeZone: string): boolean {
  let utc = isUtc.get(timeZone);
  if (utc === undefined) {
    utc = formatterFor(timeZone).resolvedOptions().timeZone === 'UTC';
    isUtc.set(timeZone, utc);
  }
  return utc;
}

/** What a wall clock in `timeZone` shows at `instant` (to the second). */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  // Formatting to parts costs tens of microseconds, and bills open in UTC unless told otherwise.
  if (namesUtc(timeZone)) {
    return {
      year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate(),
      hour: instant.getUTCHours(), minute: instant.getUTCMinutes(), second: instant.getUTCSeconds(),
    };
  }
  return wallClockFromParts(instant, timeZone);
}

function wallClockFromParts(instant: Date, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0, month: fields.month ?? 1, day: fields.day ?? 1,
    hour: fields.hour ?? 0, minute: fields.minute ?? 0, second: fields.second ?? 0,
  };
}

/** The local date in `timeZone` at `instant`. */
export function localDateAt(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClockAt(instant, timeZone);
  return { year, month, day };
}

/** The zone's offset from UTC at `epochMs`, in milliseconds (local wall time − UTC). */
function offsetAt(epochMs: number, timeZone: string): number {
  const wall = wallClockAt(new Date(epochMs), timeZone);
  const wallMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const wholeSeconds = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return wallMs - wholeSeconds;
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall clock in `timeZone` reads `date` at `time`. When that reading happens twice
 * (clocks fall back over it) it is the earlier one; when it never happens (clocks jump forward
 * over it) it is the instant of the jump, the first moment of the day at or after that reading.
 */
export function instantAt(date: LocalDate, time: LocalTime, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  const exact = [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => instant + offsetAt(instant, timeZone) === wall);
  if (exact.length > 0) return new Date(Math.min(...exact));
  // The reading falls in a gap: find the jump between the candidates by bisection.
  const candidates = [...offsets].map((offset) => wall - offset);
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (middle + offsetAt(middle, timeZone) >= wall) after = middle;
    else before = middle;
  }
  return new Date(after);
}

/** The first instant of the local day `date` in `timeZone`. */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return instantAt(date, MIDNIGHT, timeZone);
}
