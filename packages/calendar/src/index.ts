export {
  addDays, addMonthsClamped, compareLocalDates, daysBetween, daysInMonth, formatLocalDate, isLeapYear, parseLocalDate,
  type LocalDate,
} from './local-date.ts';
export {
  MIDNIGHT, formatLocalTime, instantAt, isValidTimeZone, localDateAt, parseLocalTime, startOfLocalDay, wallClockAt,
  type LocalTime,
} from './time-zone.ts';
