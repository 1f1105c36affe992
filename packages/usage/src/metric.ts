// Billable metrics: how raw usage events become one quantity per bill period. A metric names an
// aggregation, the event property it reads (`field`, every aggregation but COUNT), and optional
// filters. Filters both restrict and split: an event counts only when, for every filter key, its
// property holds one of the listed values, and the quantity is kept per combination of values.
import { characterProblem } from '@billing/text';
import { decimalToString, normalizeDecimal, parseDecimal } from '@billing/money';

export const AGGREGATIONS = ['COUNT', 'SUM', 'MAX', 'UNIQUE_COUNT', 'LATEST'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface MetricFilter {
  readonly key: string;
  readonly values: readonly string[];
}

export interface MetricDefinition {
  readonly code: string;
  readonly name: string;
  readonly aggregation: Aggregation;
  /** The property read; null for COUNT. */
  readonly field: string | null;
  /** Sorted by key, each key's values sorted: two equal definitions are equal objects. */
  readonly filters: readonly MetricFilter[];
}

export interface FieldProblem {
  field: string;
  message: string;
}

export const METRIC_CODE_PATTERN = '^[a-z][a-z0-9_.-]{0,63}$';
const METRIC_CODE = new RegExp(METRIC_CODE_PATTERN);

export function isMetricCode(value: unknown): value is string {
  return typeof value === 'string' && METRIC_CODE.test(value);
}
export const PROPERTY_KEY_PATTERN = '^[A-Za-z0-9_.:-]{1,100}$';
const PROPERTY_KEY = new RegExp(PROPERTY_KEY_PATTERN);
export const MAX_FILTERS = 10;
export const MAX_FILTER_VALUES = 100;
export const MAX_TEXT_VALUE_CHARS = 200;
/** Digits a numeric property may carry: exact in PostgreSQL's numeric, bounded so hostile input stays cheap. */
export const VALUE_MAX_INTEGER_DIGITS = 18;
export const VALUE_MAX_SCALE = 12;

export function isAggregation(value: unknown): value is Aggregation {
  return typeof value === 'string' && (AGGREGATIONS as readonly string[]).includes(value);
}

export interface MetricInput {
  code: unknown;
  name: unknown;
  aggregation: unknown;
  field?: unknown;
  filters?: unknown;
}

/** A metric as sent, checked and put in canonical form, or the problems, each naming its field. */
export function checkMetric(input: MetricInput): { ok: true; metric: MetricDefinition } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const { code, name, aggregation } = input;
  if (typeof code !== 'string' || !METRIC_CODE.test(code)) {
    problems.push({ field: 'code', message: 'must be 1–64 characters: a lowercase letter, then lowercase letters, digits, "_", "." or "-"' });
  }
  if (typeof name !== 'string' || name.trim().length === 0 || name.trim().length > 200) {
    problems.push({ field: 'name', message: 'must be 1–200 characters, not blank' });
  } else {
    // The platform's character rule on the name as stored, trimmed (PostgreSQL cannot even store a NUL).
    const problem = characterProblem(name.trim());
    if (problem !== undefined) problems.push({ field: 'name', message: problem });
  }
  if (!isAggregation(aggregation)) {
    problems.push({ field: 'aggregation', message: `must be one of ${AGGREGATIONS.join(', ')}` });
  }
  const field = input.field === undefined || input.field === null || input.field === '' ? null : input.field;
  if (aggregation === 'COUNT' && field !== null) {
    problems.push({ field: 'field', message: 'must be left out for COUNT, which reads no property' });
  } else if (aggregation !== 'COUNT' && isAggregation(aggregation) && (typeof field !== 'string' || !PROPERTY_KEY.test(field))) {
    problems.push({ field: 'field', message: `is required for ${aggregation}: 1–100 letters, digits, "_", ".", ":" or "-"` });
  }
  const filters = checkFilters(input.filters, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    metric: {
      code: code as string, name: (name as string).trim(), aggregation: aggregation as Aggregation, field: field as string | null, filters,
    },
  };
}

function checkFilters(raw: unknown, problems: FieldProblem[]): MetricFilter[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > MAX_FILTERS) {
    problems.push({ field: 'filters', message: `must be a list of at most ${MAX_FILTERS} filters` });
    return [];
  }
  const seen = new Set<string>();
  const filters: MetricFilter[] = [];
  raw.forEach((filter: unknown, index) => {
    const { key, values } = (filter ?? {}) as { key?: unknown; values?: unknown };
    if (typeof key !== 'string' || !PROPERTY_KEY.test(key)) {
      problems.push({ field: `filters[${index}].key`, message: '1–100 letters, digits, "_", ".", ":" or "-"' });
      return;
    }
    if (seen.has(key)) problems.push({ field: `filters[${index}].key`, message: `"${key}" is already filtered on` });
    seen.add(key);
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_FILTER_VALUES) {
      problems.push({ field: `filters[${index}].values`, message: `must hold 1–${MAX_FILTER_VALUES} strings` });
      return;
    }
    const valueProblems = values.flatMap((value: unknown, at) => {
      const field = `filters[${index}].values[${at}]`;
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT_VALUE_CHARS) {
        return [{ field, message: `must be a string of 1–${MAX_TEXT_VALUE_CHARS} characters` }];
      }
      const problem = characterProblem(value);
      return problem === undefined ? [] : [{ field, message: problem }];
    });
    if (valueProblems.length > 0) {
      problems.push(...valueProblems);
      return;
    }
    filters.push({ key, values: [...new Set(values as string[])].sort() });
  });
  return filters.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether two definitions mean the same thing (the name is not part of the meaning). */
export function sameMeaning(a: MetricDefinition, b: MetricDefinition): boolean {
  return a.aggregation === b.aggregation && a.field === b.field && JSON.stringify(a.filters) === JSON.stringify(b.filters);
}

/** What one event contributes to its metric: the field's value and the filter values it falls under. */
export interface EventReading {
  /** A canonical decimal for SUM, MAX and LATEST; the text for UNIQUE_COUNT; null for COUNT. */
  value: string | null;
  /** Canonical JSON of the filter values (`{}` without filters); null when the event is outside the filters. */
  dimension: string | null;
}

export const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Reads an event's properties for a metric, or says why the event cannot be counted. A numeric
 * field may be a decimal string or a JSON number (whose shortest text is read, never its binary
 * value); exponents, NaN, infinities and negative values are refused.
 */
export function readEvent(metric: MetricDefinition, properties: Readonly<Record<string, unknown>>):
  { ok: true; reading: EventReading } | { ok: false; reason: string } {
  let value: string | null = null;
  if (metric.field !== null) {
    const raw = properties[metric.field];
    if (raw === undefined || raw === null || raw === '') {
      return { ok: false, reason: `properties.${metric.field} is missing; metric ${metric.code} (${metric.aggregation}) reads it` };
    }
    if (metric.aggregation === 'UNIQUE_COUNT') {
      if ((typeof raw !== 'string' && typeof raw !== 'number') || String(raw).length > MAX_TEXT_VALUE_CHARS) {
        return { ok: false, reason: `properties.${metric.field} must be a string or number of at most ${MAX_TEXT_VALUE_CHARS} characters` };
      }
      value = String(raw);
    } else {
      const parsed = readNumeric(raw);
      if (parsed === null) {
        return {
          ok: false,
          reason: `properties.${metric.field} must be a non-negative decimal (a string like "12.5" or a number) with at most ` +
            `${VALUE_MAX_INTEGER_DIGITS} digits before the point and ${VALUE_MAX_SCALE} after it`,
        };
      }
      value = parsed;
    }
  }
  return { ok: true, reading: { value, dimension: dimensionOf(metric, properties) } };
}

function readNumeric(raw: unknown): string | null {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else return null;
  if (!DECIMAL_TEXT.test(text) || text.startsWith('-')) return null;
  try {
    const value = parseDecimal(text, { maxScale: VALUE_MAX_SCALE, maxIntegerDigits: VALUE_MAX_INTEGER_DIGITS, nonNegative: true });
    return decimalToString(normalizeDecimal(value));
  } catch {
    return null;
  }
}

/** The filter values an event carries, as canonical JSON, or null when it falls outside a filter. */
export function dimensionOf(metric: MetricDefinition, properties: Readonly<Record<string, unknown>>): string | null {
  const chosen: Array<[string, string]> = [];
  for (const filter of metric.filters) {
    const raw = properties[filter.key];
    const text = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
    if (text === undefined || !filter.values.includes(text)) return null;
    chosen.push([filter.key, text]);
  }
  // Written by hand: an object would put integer-like keys first, whatever order they were added in.
  return `{${chosen.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
}

/** "region=eu, tier=gold" for a dimension, "" for the metric without filters. */
export function describeDimension(dimension: string): string {
  const values = JSON.parse(dimension) as Record<string, string>;
  return Object.entries(values).map(([key, value]) => `${key}=${value}`).join(', ');
}
