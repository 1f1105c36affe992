import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate, checkMetric, readEvent, type Aggregation, type StoredReading } from '../src/index.ts';

// Each aggregation against a recomputation of its own: values are whole numbers of thousandths
// (bigint arithmetic, no decimals library), events are grouped by hand, and LATEST sorts a copy.

const TIMES = ['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.001Z', '2030-01-02T12:00:00.000Z'];
const DIMENSIONS = ['{}', '{"region":"eu"}', '{"region":"us"}', null];

const eventArb = fc.record({
  ts: fc.constantFrom(...TIMES),
  thousandths: fc.integer({ min: 0, max: 5_000_000 }),
  dimension: fc.constantFrom(...DIMENSIONS),
});

function text(thousandths: number): string {
  const digits = String(thousandths).padStart(4, '0');
  return `${digits.slice(0, -3)}.${digits.slice(-3)}`.replace(/0+$/, '').replace(/\.$/, '');
}

function reference(aggregation: Aggregation, events: Array<{ ts: string; thousandths: number; dimension: string | null }>) {
  const byDimension = new Map<string, Array<{ ts: string; thousandths: number; index: number }>>();
  events.forEach((event, index) => {
    if (event.dimension === null) return;
    byDimension.set(event.dimension, [...(byDimension.get(event.dimension) ?? []), { ...event, index }]);
  });
  return [...byDimension.keys()].sort().map((dimension) => {
    const group = byDimension.get(dimension) ?? [];
    const values = group.map((event) => BigInt(event.thousandths));
    let quantity: bigint;
    switch (aggregation) {
      case 'COUNT': quantity = BigInt(group.length) * 1000n; break;
      case 'SUM': quantity = values.reduce((a, b) => a + b, 0n); break;
      case 'MAX': quantity = values.reduce((a, b) => (b > a ? b : a)); break;
      case 'UNIQUE_COUNT': quantity = BigInt(new Set(values).size) * 1000n; break;
      case 'LATEST': {
        const sorted = [...group].sort((a, b) => (a.ts === b.ts ? a.index - b.index : a.ts < b.ts ? -1 : 1));
        quantity = BigInt((sorted[sorted.length - 1] as { thousandths: number }).thousandths);
        break;
      }
    }
    return { dimension, quantity: text(Number(quantity)), eventCount: group.length };
  });
}

describe('aggregations against a recomputation', () => {
  it.each(['COUNT', 'SUM', 'MAX', 'UNIQUE_COUNT', 'LATEST'] as const)('%s per filter value, exact', (aggregation) => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
      const readings: StoredReading[] = events.map((event) => ({ ts: event.ts, value: text(event.thousandths), dimension: event.dimension }));
      expect(aggregate(aggregation, readings)).toEqual(reference(aggregation, events));
    }), { numRuns: 200 });
  });
});

describe('reading an event for a metric', () => {
  const metric = (aggregation: Aggregation, filters: unknown = []) => {
    const checked = checkMetric({ code: 'm', name: 'M', aggregation, field: aggregation === 'COUNT' ? undefined : 'n', filters });
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    return checked.metric;
  };

  it('counts an event only when every filter key holds one of its values, keyed by those values', () => {
    const m = metric('COUNT', [{ key: 'tier', values: ['gold', 'free'] }, { key: 'region', values: ['eu'] }]);
    fc.assert(fc.property(fc.constantFrom('gold', 'free', 'x', undefined), fc.constantFrom('eu', 'us', 7, undefined), (tier, region) => {
      const read = readEvent(m, { tier, region });
      if (!read.ok) throw new Error(read.reason);
      const inside = (tier === 'gold' || tier === 'free') && region === 'eu';
      expect(read.reading.dimension).toBe(inside ? `{"region":"eu","tier":"${tier}"}` : null);
    }));
  });

  it.each([
    ['SUM', {}, /missing/], ['MAX', { n: 'abc' }, /non-negative decimal/], ['SUM', { n: '1e3' }, /non-negative decimal/],
    ['SUM', { n: 'NaN' }, /non-negative decimal/], ['SUM', { n: '-1' }, /non-negative decimal/], ['LATEST', { n: true }, /non-negative decimal/],
    ['SUM', { n: 1e21 }, /non-negative decimal/], ['SUM', { n: '0.1234567890123' }, /non-negative decimal/],
    ['UNIQUE_COUNT', { n: { a: 1 } }, /string or number/],
  ] as const)('refuses a %s event with properties %j', (aggregation, properties, reason) => {
    const read = readEvent(metric(aggregation), properties);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason).toMatch(reason);
  });

  it('reads numeric values as canonical decimals, from strings and from JSON numbers alike', () => {
    expect(readEvent(metric('SUM'), { n: '12.500' })).toEqual({ ok: true, reading: { value: '12.5', dimension: '{}' } });
    expect(readEvent(metric('SUM'), { n: 0.1 })).toEqual({ ok: true, reading: { value: '0.1', dimension: '{}' } });
    expect(readEvent(metric('UNIQUE_COUNT'), { n: 42 })).toEqual({ ok: true, reading: { value: '42', dimension: '{}' } });
  });

  it('refuses metric definitions that could not be aggregated', () => {
    expect(checkMetric({ code: 'Bad Code', name: '', aggregation: 'AVG', filters: 'x' })).toMatchObject({
      ok: false, problems: [{ field: 'code' }, { field: 'name' }, { field: 'aggregation' }, { field: 'filters' }],
    });
    expect(checkMetric({ code: 'a', name: 'A', aggregation: 'SUM' })).toMatchObject({ ok: false, problems: [{ field: 'field' }] });
    expect(checkMetric({ code: 'a', name: 'A', aggregation: 'COUNT', field: 'n' })).toMatchObject({ ok: false, problems: [{ field: 'field' }] });
    expect(checkMetric({ code: 'a', name: 'A', aggregation: 'COUNT', filters: [{ key: 'k', values: [] }] }))
      .toMatchObject({ ok: false, problems: [{ field: 'filters[0].values' }] });
  });
});
