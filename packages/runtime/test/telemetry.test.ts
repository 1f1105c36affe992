import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readTelemetryConfig } from '../src/index.ts';

const REGISTER = fileURLToPath(new URL('../src/telemetry/register.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/traced.ts', import.meta.url));

interface Received { path: string | undefined; contentType: string | undefined; body: string }

// A stand-in collector: whatever reaches it, on any path.
let collector: Server;
let collectorUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url, contentType: request.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

interface Line { msg: string; trace_id?: string; span_id?: string; recording?: boolean; [field: string]: unknown }

/** Runs the fixture under the register module; resolves with its lines, stderr and exit code. */
function runTraced(env: Record<string, string>): Promise<{ lines: Line[]; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', `--import=${REGISTER}`, FIXTURE], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({
    lines: stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line), stderr, code,
  })));
}

describe('the register module', () => {
  it('exports spans as OTLP http/json to the endpoint, named by OTEL_SERVICE_NAME, and puts their ids in log lines', async () => {
    const { lines, stderr, code } = await runTraced({
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'traced-fixture',
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const traces = received.filter((request) => request.path === '/v1/traces');
    expect(traces.map((request) => request.contentType)).toEqual(['application/json']);
    const body = JSON.parse(traces[0]?.body ?? '{}') as {
      resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; spanId: string }> }> }>;
    };
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans?.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'traced-fixture' } });
    const span = resourceSpans?.scopeSpans[0]?.spans[0];
    expect(span?.name).toBe('fixture work');

    const inside = lines.find((line) => line.msg === 'inside a span');
    expect(inside).toMatchObject({ recording: true, trace_id: span?.traceId, span_id: span?.spanId });
    const outside = lines.find((line) => line.msg === 'outside any span');
    expect(outside).toBeDefined();
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('sends http/protobuf by default, to the signal endpoint when one is given', async () => {
    const { code } = await runTraced({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collectorUrl}/custom/traces` });
    expect(code).toBe(0);
    expect(received.map((request) => [request.path, request.contentType])).toEqual([['/custom/traces', 'application/x-protobuf']]);
  });

  it('warns when the collector cannot be reached, and still exits cleanly', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { lines, stderr, code } = await runTraced({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines.filter((line) => line.msg.startsWith('tracing:')).length).toBeGreaterThan(0);
  });

  it('with no endpoint set starts nothing, exports nothing and says nothing about it', async () => {
    const { lines, stderr, code } = await runTraced({ OTEL_SERVICE_NAME: 'traced-fixture', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // Only the fixture's own two lines: no word about tracing, and no ids, since no span records.
    expect(lines.map((line) => line.msg)).toEqual(['inside a span', 'outside any span']);
    expect(lines[0]).toMatchObject({ recording: false });
    for (const line of lines) expect(line).not.toHaveProperty('trace_id');
    expect(received).toEqual([]);
  });

  it('refuses a bad variable with one fatal line naming it, and exit 1', async () => {
    const { lines, code } = await runTraced({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toContain('OTEL_TRACES_SAMPLER must be one of');
    expect(received).toEqual([]);
  });
});

describe('readTelemetryConfig', () => {
  it('is off without an endpoint, whatever else is set', () => {
    expect(readTelemetryConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
  });

  it('appends /v1/traces to the base endpoint over HTTP, and takes the signal endpoint and gRPC address as given', () => {
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }))
      .toMatchObject({ tracesUrl: 'http://collector:4317', protocol: 'grpc' });
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/t' })?.tracesUrl)
      .toBe('http://b:4318/t');
  });

  it('takes the sampler and its ratio, and names each bad value', () => {
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }))
      .toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
    expect(() => readTelemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'udp', OTEL_TRACES_SAMPLER_ARG: '1.5',
    })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http or https URL[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL must be one of[\s\S]*OTEL_TRACES_SAMPLER_ARG: must be a ratio/);
  });
});
