export { parsePrometheusText, sampleSum, scrapeMetrics, type Sample, type Scrape } from './prometheus-text.ts';
export { recordSpans, type SpanRecorder } from './spans.ts';
