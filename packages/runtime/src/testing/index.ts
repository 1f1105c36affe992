export { parsePrometheusText, sampleSum, scrapeMetrics, type Sample, type Scrape } from './prometheus-text.ts';
export { recordSpans, type SpanRecorder } from './spans.ts';
export { makeTestCertificates, startTlsProxy, type TestCertificates, type TlsProxy } from './tls.ts';
