import { EVENT_TYPES } from '@billing/db';
import * as runtime from '@billing/runtime';
import { metricsRegistry } from '@billing/runtime';
import { ledgerMetrics } from '@billing/bill-service';
import * as workerMetrics from '@billing/worker/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeSpans, readDoc, tableRows } from './markdown.ts';

// docs/events.md's event types against the events package, and docs/operations.md's metrics and
// ports against the metric definitions: the request metrics every app shares (`packages/runtime`)
// and each domain's business counters (the worker's `./metrics` entry, bill-service's ledger).

describe('docs/events.md', () => {
  it('lists exactly the event types the events package writes, in its order', () => {
    const rows = tableRows(readDoc('docs/events.md'), 'type', '## Event types');
    expect(rows.map((row) => codeSpans(row[0] ?? '')[0])).toEqual([...EVENT_TYPES]);
  });

  it('shows an example of every event type', () => {
    const examples = readDoc('docs/events.md').split('### Examples')[1]?.split('\n## ')[0] ?? '';
    const shown = [...examples.matchAll(/\{"type": "([a-z_.]+)"/g)].map((match) => match[1]);
    expect(shown).toEqual([...EVENT_TYPES]);
  });
});

interface Registered {
  name: string;
  type: string;
}

describe('docs/operations.md', () => {
  const operations = readDoc('docs/operations.md');
  let registered: Registered[];

  beforeAll(async () => {
    // Every metric group: the request metrics the runtime defines for all apps (`httpMetrics`,
    // `rpcMetrics`) and each domain's business counters, each registered by its first call; a
    // group added to the runtime or the worker's metrics entry is read here without a change.
    const runtimeGroups = Object.entries(runtime).filter(([name, value]) => /^[a-z]+Metrics$/.test(name) && name !== 'collectProcessMetrics' && typeof value === 'function');
    expect(runtimeGroups.map(([name]) => name).sort()).toEqual(['httpMetrics', 'rpcMetrics']);
    const groups = [...runtimeGroups, ...Object.entries(workerMetrics), ['ledgerMetrics', ledgerMetrics] as const];
    for (const [, define] of groups) (define as () => unknown)();
    const json = await metricsRegistry.getMetricsAsJSON();
    registered = json
      .filter((metric) => !/^(process|nodejs)_/.test(metric.name))
      .map((metric) => ({ name: metric.name, type: String(metric.type) }));
  });

  /** `| metric | ...` rows of both metric tables: name, and type where a column or note says it. */
  function documented(): Array<{ name: string; type?: string; labels?: string[] }> {
    const requests = tableRows(operations, 'metric', '### Requests').map((row) => ({
      name: codeSpans(row[0] ?? '')[0] as string, type: row[1], labels: codeSpans(row[2] ?? ''),
    }));
    const business = tableRows(operations, 'metric', '### Business counters').map((row) => ({
      name: codeSpans(row[0] ?? '')[0] as string, type: /\(gauge\)/.test(row[0] ?? '') ? 'gauge' : 'counter',
    }));
    return [...requests, ...business];
  }

  it('lists exactly the metrics the apps define, with their types', () => {
    const listed = documented();
    expect(listed.map(({ name, type }) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name)))
      .toEqual(registered.map(({ name, type }) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name)));
  });

  it('gives the request metrics the labels they are recorded with', () => {
    for (const row of documented().filter((metric) => metric.labels)) {
      const metric = metricsRegistry.getSingleMetric(row.name) as unknown as { labelNames: string[] };
      expect(row.labels, row.name).toEqual(metric.labelNames);
    }
  });

  it('states each metrics endpoint default port as the apps define it', () => {
    const rows = tableRows(operations, 'endpoint');
    const ports = Object.fromEntries(rows.map((row) => [row[0], Number(codeSpans(row[2] ?? '')[0])]));
    expect(ports).toEqual({
      gateway: runtime.METRICS_PORTS.gateway,
      'bill-service': runtime.METRICS_PORTS['bill-service'],
      'rates-service': runtime.METRICS_PORTS['rates-service'],
      worker: runtime.METRICS_PORTS.worker,
      'worker, Temporal SDK': runtime.METRICS_PORTS.temporalSdk,
    });
  });
});
