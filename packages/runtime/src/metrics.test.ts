import { afterEach, describe, expect, it } from 'vitest';
import { counter, histogram, startMetricsServer, type MetricsServer } from './metrics.ts';
import { parsePrometheusText, sampleSum, scrapeMetrics } from './testing/prometheus-text.ts';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(): Promise<string> {
  const server = await startMetricsServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

describe('the metrics server', () => {
  it('serves what is recorded at /metrics as Prometheus text', async () => {
    const calls = counter('test_metrics_server_calls_total', 'Calls made by this test.', ['kind']);
    const took = histogram('test_metrics_server_seconds', 'Durations seen by this test.', ['kind'], [0.1, 1]);
    calls.inc({ kind: 'a"b\\c' }, 2);
    took.observe({ kind: 'x' }, 0.5);
    const base = await serve();

    const scrape = await scrapeMetrics(`${base}/metrics`);
    expect(scrape.types.get('test_metrics_server_calls_total')).toBe('counter');
    expect(sampleSum(scrape, 'test_metrics_server_calls_total', { kind: 'a"b\\c' })).toBe(2);
    expect(sampleSum(scrape, 'test_metrics_server_seconds_bucket', { kind: 'x', le: '0.1' })).toBe(0);
    expect(sampleSum(scrape, 'test_metrics_server_seconds_bucket', { kind: 'x', le: '1' })).toBe(1);
    expect(sampleSum(scrape, 'test_metrics_server_seconds_count', { kind: 'x' })).toBe(1);

    calls.inc({ kind: 'a"b\\c' });
    expect(sampleSum(await scrapeMetrics(`${base}/metrics`), 'test_metrics_server_calls_total')).toBe(3);
  });

  it('gives a metric defined twice by name the first instance, not a duplicate-registration error', () => {
    const first = counter('test_metrics_defined_twice_total', 'Defined twice.');
    expect(counter('test_metrics_defined_twice_total', 'Defined twice.')).toBe(first);
  });

  it('answers 404 off /metrics and 405 to a write', async () => {
    const base = await serve();
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a port in use when it starts', async () => {
    const base = await serve();
    await expect(startMetricsServer({ port: Number(new URL(base).port), host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('parsePrometheusText', () => {
  it('reads declared families, labels with escapes, and special values', () => {
    const scrape = parsePrometheusText([
      '# HELP up Whether it is up.',
      '# TYPE up gauge',
      'up{job="a",note="line\\nbreak \\"q\\""} 1',
      '# TYPE lat histogram',
      'lat_bucket{le="+Inf"} 3 1700000000000',
      'lat_sum NaN',
      'lat_count 3',
      '',
    ].join('\n'));
    expect(scrape.samples[0]).toEqual({ name: 'up', labels: { job: 'a', note: 'line\nbreak "q"' }, value: 1 });
    expect(sampleSum(scrape, 'lat_bucket', { le: '+Inf' })).toBe(3);
    expect(scrape.samples.find((sample) => sample.name === 'lat_sum')?.value).toBeNaN();
  });

  it.each([
    ['a sample of no declared family', 'up 1\n'],
    ['a bad metric name', '# TYPE 1up gauge\n1up 1\n'],
    ['a value that is no number', '# TYPE up gauge\nup one\n'],
    ['an unterminated label value', '# TYPE up gauge\nup{a="x} 1\n'],
    ['an unknown type', '# TYPE up meter\n'],
    ['a missing final newline', '# TYPE up gauge\nup 1'],
    ['an HTML error page', '<html>oops</html>\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
