// GetRate latency and throughput, directly over gRPC and through the REST gateway, in one run,
// with rates-service's cache on and off. Everything is a real process on loopback: a stand-in
// ECB (serving the recorded eurofxref-daily.xml), two rates-services (RATES_PROVIDER=ecb; TTL
// 1h = cached, TTL 0 = every call asks the ECB stand-in), two gateways in front of them, and
// the embedded PostgreSQL the gateway needs for Idempotency-Key records.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RatesService } from '@billing/contracts';
import { freePort, repoRoot, startPostgres } from '@billing/devstack';
import { createGrpcClient } from '@billing/grpc-kit';
import { beginRun, saveResult } from './results.ts';
import { printTable } from './table.ts';

const CONCURRENCY = [1, 32] as const;
/** Each measurement stops at whichever comes first. */
const MAX_REQUESTS = 20_000;
const MAX_MS = 4_000;
const WARMUP_REQUESTS = 300;
const PAIR = { base: 'USD', quote: 'JPY' } as const;

type Call = () => Promise<string>;

interface Measurement {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

export async function runRatesBenchmark(): Promise<void> {
  const run = beginRun();
  const children: ChildProcess[] = [];
  const postgres = await startPostgres({ temporary: true });
  try {
    await runToEnd('packages/db/src/migrate.ts', { DATABASE_URL: postgres.url });
    const ecbPort = await freePort();
    children.push(start(fakeEcbProgram(ecbPort), {}, ['--input-type=module', '-e']));
    const ecbUrl = `http://127.0.0.1:${ecbPort}/stats/eurofxref`;

    const setups = [
      { cache: 'cached (TTL 1h)', ttl: '1h' },
      { cache: 'uncached (TTL 0)', ttl: '0ms' },
    ];
    const rows: string[][] = [];
    const ratios: string[][] = [];
    const figures: Array<{ path: string; cache: string; concurrency: number } & Measurement> = [];
    for (const setup of setups) {
      const ratesPort = await freePort();
      const gatewayPort = await freePort();
      children.push(start('apps/rates-service/src/server.ts', {
        RATES_SERVICE_PORT: String(ratesPort), RATES_SERVICE_HOST: '127.0.0.1', RATES_PROVIDER: 'ecb',
        ECB_BASE_URL: ecbUrl, RATES_CACHE_TTL: setup.ttl, LOG_LEVEL: 'warn',
      }));
      children.push(start('apps/gateway/src/server.ts', {
        GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', RATES_SERVICE_URL: `http://127.0.0.1:${ratesPort}`,
        BILL_SERVICE_URL: `http://127.0.0.1:${await freePort()}`, DATABASE_URL: postgres.url, LOG_LEVEL: 'warn',
      }));
      const grpc = createGrpcClient(RatesService, `http://127.0.0.1:${ratesPort}`, { timeoutMs: 10_000 });
      const direct: Call = async () => (await grpc.getRate(PAIR)).rate?.rate ?? '';
      const viaGateway: Call = async () => {
        const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/rates/${PAIR.base}/${PAIR.quote}`);
        if (response.status !== 200) throw new Error(`gateway answered ${response.status}: ${await response.text()}`);
        return ((await response.json()) as { rate: string }).rate;
      };
      await waitUntil(`rates-service and gateway (${setup.cache})`, async () => (await viaGateway()) !== '');
      const [directRate, gatewayRate] = [await direct(), await viaGateway()];
      if (directRate !== gatewayRate) throw new Error(`the two paths disagree: ${directRate} vs ${gatewayRate}`);

      for (const concurrency of CONCURRENCY) {
        const d = await measure(direct, concurrency, directRate);
        const g = await measure(viaGateway, concurrency, directRate);
        rows.push(row('gRPC direct', setup.cache, concurrency, d), row('gateway', setup.cache, concurrency, g));
        figures.push({ path: 'grpc-direct', cache: setup.cache, concurrency, ...d }, { path: 'gateway', cache: setup.cache, concurrency, ...g });
        ratios.push([setup.cache, String(concurrency), ratio(g.p50Ms, d.p50Ms), ratio(g.p99Ms, d.p99Ms), ratio(g.perSecond, d.perSecond)]);
      }
    }
    console.log(`GetRate ${PAIR.base}→${PAIR.quote} (a cross rate through EUR), ecb provider against a local stand-in; `
      + `each cell: ${WARMUP_REQUESTS} warm-up calls, then up to ${MAX_REQUESTS} calls or ${MAX_MS / 1000} s`);
    console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
    printTable(['path', 'cache', 'concurrency', 'requests', 'p50 ms', 'p99 ms', 'req/s'], rows);
    console.log('\nratio gateway / direct (same run)');
    printTable(['cache', 'concurrency', 'p50', 'p99', 'throughput'], ratios);
    await saveResult('rates', run, { pair: PAIR, measurements: figures });
  } finally {
    await Promise.all(children.map(stop));
    await postgres.stop();
  }
}

/** Runs `call` from `concurrency` loops until the count or time bound, after a warm-up. */
async function measure(call: Call, concurrency: number, expected: string): Promise<Measurement> {
  for (let i = 0; i < WARMUP_REQUESTS; i += concurrency) await Promise.all(Array.from({ length: concurrency }, call));
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + MAX_MS;
  let issued = 0;
  const loop = async () => {
    while (issued < MAX_REQUESTS && performance.now() < deadline) {
      issued += 1;
      const before = performance.now();
      const rate = await call();
      latencies.push(performance.now() - before);
      if (rate !== expected) throw new Error(`a call answered ${rate}, expected ${expected}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    perSecond: (latencies.length / elapsedMs) * 1000,
  };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function row(path: string, cache: string, concurrency: number, m: Measurement): string[] {
  return [path, cache, String(concurrency), String(m.requests), m.p50Ms.toFixed(3), m.p99Ms.toFixed(3),
    Math.round(m.perSecond).toLocaleString('en-US')];
}

function ratio(gateway: number, direct: number): string {
  return `${(gateway / direct).toFixed(2)}x`;
}

/** A project program (or, with `-e`, inline code) as a child process; output shown only on failure. */
function start(program: string, env: Record<string, string>, evalFlags?: string[]): ChildProcess {
  const args = evalFlags === undefined
    ? ['--conditions=source', '--disable-warning=ExperimentalWarning', join(repoRoot, program)]
    : [...evalFlags, program];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4_000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${evalFlags ? 'fake ECB' : program} exited with ${code}:\n${errors}`);
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function runToEnd(program: string, env: Record<string, string>): Promise<void> {
  const child = start(program, env);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited with ${code}`))));
  });
}

async function waitUntil(what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let problem = 'not ready';
    try {
      if (await ready()) return;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after 60 s: ${problem}`);
    await sleep(200);
  }
}

/** The ECB stand-in: serves the recorded daily file the rates-service tests use. */
function fakeEcbProgram(port: number): string {
  const file = join(repoRoot, 'apps/rates-service/test/fixtures/ecb/eurofxref-daily.xml');
  return `
    import { createServer } from 'node:http';
    import { readFileSync } from 'node:fs';
    const body = readFileSync(${JSON.stringify(file)});
    createServer((request, response) => {
      if (request.url !== '/stats/eurofxref/eurofxref-daily.xml') { response.writeHead(404).end(); return; }
      response.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    }).listen(${port}, '127.0.0.1');
    process.on('SIGTERM', () => process.exit(0));
  `;
}
