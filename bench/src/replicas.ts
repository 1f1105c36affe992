// What a load balancer and several gateways cost on one machine: the same read (GET of a bill
// with its items: the gateway, a gRPC call to bill-service, PostgreSQL) with closed-loop clients
// against one gateway directly, one gateway behind HAProxy, and three gateways behind HAProxy,
// over the same two bill-services. Two cores cannot show a speed-up from more gateways; the
// figure shows what the extra hop and the extra processes take. Cells alternate round by round,
// so a change in the machine's load hits all of them. Raw figures go to bench/results/replicas-*.json.
//
// Two floors, in the same run: the same two tiers without the platform, Node's own HTTP server
// calling one of two Node HTTP/2 servers (src/floor/), one of them directly against three behind
// HAProxy; once with no work at all, and once with as much CPU work per request in each tier as
// the gateway and bill-service (with its PostgreSQL) spend on this request in a quiet run. What
// three processes instead of one cost on this machine, whatever runs in them, shows there, so our
// ratio is also given as a share of the floors'.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startHaproxy, startReplicaStack, type Haproxy } from '@billing/devstack';
import { cpuMsPerOperation, sampleCpu } from './bills/process-cpu.ts';
import { startFloorProcess } from './floor/start.ts';
import { measureOnStack } from './on-stack.ts';
import { beginRun, saveResult } from './results.ts';

const CONCURRENCY = 32;
const WARM_UP_MS = 4_000;
const CELL_MS = 6_000;
const ROUNDS = 5;

interface Cell {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU milliseconds per request of each process kind (gateway, bill-service, haproxy, postgres, bench), summed over replicas. */
  cpuMsPerRequest?: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * CPU milliseconds per request of the working floor's tiers: what the gateway (1.56) and
 * bill-service with PostgreSQL (2.36 + 0.74) spent on this request through one gateway in the quiet
 * run `replicas-2026-12-07T154223Z-da6b20a.json`.
 */
const FLOOR_WORK_MS = { front: 1.5, upstream: 3.1 };

/** Two upstreams, three fronts over them and an HAProxy in front of the three: the floor's two tiers. */
async function startFloor(work: { front: number; upstream: number }, processes: ChildProcess[], proxies: Haproxy[]) {
  const upstreamPorts = [await freePort(), await freePort()];
  for (const port of upstreamPorts) processes.push(await startFloorProcess('bare-upstream', [`--work-ms=${work.upstream}`, String(port)]));
  const fronts: string[] = [];
  for (let index = 0; index < 3; index++) {
    const port = await freePort();
    processes.push(await startFloorProcess('bare-front', [`--work-ms=${work.front}`, ...[port, ...upstreamPorts].map(String)]));
    fronts.push(`http://127.0.0.1:${port}`);
  }
  const three = await startHaproxy({ gateways: fronts });
  proxies.push(three);
  return { fronts, three };
}

async function load(url: string, authorization: string, durationMs: number, clients = CONCURRENCY): Promise<Cell> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const begun = performance.now();
      const response = await fetch(url, { headers: { authorization } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`bench request answered ${response.status}: ${body}`);
      latencies.push(performance.now() - begun);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, perSecond: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

export async function runReplicasBenchmark(): Promise<void> {
  const run = beginRun();
  const logPath = join(tmpdir(), `bench-replicas-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  const stack = await startReplicaStack({
    replicas: { gateway: 3, 'bill-service': 2, 'rates-service': 1, worker: 1 },
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' },
    print: (line) => log.write(`${line}\n`),
  });
  const figures = await measureOnStack(stack, log, logPath, async () => {
    const gateways = stack.of('gateway').map((replica) => replica.url!);
    const proxies: Haproxy[] = [];
    const floorProcesses: ChildProcess[] = [];
    try {
      const bare = await startFloor({ front: 0, upstream: 0 }, floorProcesses, proxies);
      const working = await startFloor(FLOOR_WORK_MS, floorProcesses, proxies);
      const one = await startHaproxy({ gateways: gateways.slice(0, 1) });
      proxies.push(one);
      const three = await startHaproxy({ gateways });
      proxies.push(three);
      const authorization = `Bearer ${stack.adminApiKey}`;
      const customer = `bench-replicas-${Date.now().toString(36)}`;
      const next = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 2, 1));
      const period = `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${gateways[0]}${path}`, {
          method: 'POST', headers: { authorization, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify(body),
        });
        if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
      };
      await post(`/v1/customers/${customer}/bills`, { currency: 'USD', billingPeriod: period });
      for (const amount of ['4.00', '6.50', '12.25']) await post(`/v1/customers/${customer}/bills/${period}/items`, { description: `item ${amount}`, amount });
      const path = `/v1/customers/${customer}/bills/${period}`;
      const cells = {
        'one gateway': `${gateways[0]}${path}`,
        'one gateway behind HAProxy': `${one.url}${path}`,
        'three gateways behind HAProxy': `${three.url}${path}`,
        // Not part of the ratio: one gateway at the load each of three gets, a third of the clients,
        // to tell the cost of spreading requests thinner over processes from the balancer's own.
        'one gateway, a third of the clients': `${gateways[0]}${path}`,
        'floor: one bare server': `${bare.fronts[0]}/bill`,
        'floor: three bare servers behind HAProxy': `${bare.three.url}/bill`,
        'floor with our CPU: one server': `${working.fronts[0]}/bill`,
        'floor with our CPU: three servers behind HAProxy': `${working.three.url}/bill`,
      };
      const clientsOf = (name: string) => (name === 'one gateway, a third of the clients' ? Math.round(CONCURRENCY / 3) : CONCURRENCY);
      // Each process compiles its hot paths on its first thousands of requests. The single-gateway
      // cells all use the first gateway, so the other two would be measured colder than it: every
      // gateway is first warmed directly with the same load, then every cell once.
      for (const gateway of gateways) await load(`${gateway}${path}`, authorization, WARM_UP_MS);
      for (const front of [...bare.fronts, ...working.fronts]) await load(`${front}/bill`, authorization, WARM_UP_MS);
      for (const [name, url] of Object.entries(cells)) await load(url, authorization, WARM_UP_MS, clientsOf(name));
      const rounds: Array<Record<string, Cell>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const measured: Record<string, Cell> = {};
        for (const [name, url] of Object.entries(cells)) {
          const before = await sampleCpu();
          const cell = await load(url, authorization, CELL_MS, clientsOf(name));
          measured[name] = { ...cell, cpuMsPerRequest: cpuMsPerOperation(before, await sampleCpu(), cell.requests) };
        }
        rounds.push(measured);
      }
      const median = (name: string, field: 'requests' | 'perSecond' | 'p50Ms' | 'p99Ms') => [...rounds.map((round) => round[name]![field])].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
      const cpuMedian = (name: string) => {
        const labels = new Set(rounds.flatMap((round) => Object.keys(round[name]!.cpuMsPerRequest ?? {})));
        return Object.fromEntries([...labels].map((label) => {
          const values = rounds.map((round) => round[name]!.cpuMsPerRequest?.[label] ?? 0).sort((a, b) => a - b);
          return [label, Number(values[Math.floor(values.length / 2)]!.toFixed(2))];
        }).filter(([, ms]) => (ms as number) >= 0.01));
      };
      const summary = Object.fromEntries(Object.keys(cells).map((name) => [name, {
        perSecond: median(name, 'perSecond'), p50Ms: median(name, 'p50Ms'), p99Ms: median(name, 'p99Ms'), cpuMsPerRequest: cpuMedian(name),
      }]));
      const ratio = summary['three gateways behind HAProxy']!.perSecond / summary['one gateway']!.perSecond;
      const floorRatio = summary['floor: three bare servers behind HAProxy']!.perSecond / summary['floor: one bare server']!.perSecond;
      const workingFloorRatio = summary['floor with our CPU: three servers behind HAProxy']!.perSecond / summary['floor with our CPU: one server']!.perSecond;
      console.log(`GET ${path.replace(customer, '{c}')}, ${CONCURRENCY} clients, ${ROUNDS} rounds of ${CELL_MS / 1000} s per cell (medians)`);
      console.table(Object.fromEntries(Object.entries(summary).map(([name, cell]) => [name, {
        'requests/s': Math.round(cell.perSecond), 'p50 ms': cell.p50Ms.toFixed(1), 'p99 ms': cell.p99Ms.toFixed(1),
      }])));
      console.log('CPU ms per request (medians over rounds):');
      console.table(Object.fromEntries(Object.keys(cells).map((name) => [name, cpuMedian(name)])));
      console.log(`three gateways behind HAProxy / one gateway: ${ratio.toFixed(2)}x (goal >= 0.85x)`);
      console.log(`floor, three bare servers behind HAProxy / one bare server: ${floorRatio.toFixed(2)}x; ours / floor: ${(ratio / floorRatio).toFixed(2)}`);
      console.log(`floor with our CPU per request, three / one: ${workingFloorRatio.toFixed(2)}x; ours / that floor: ${(ratio / workingFloorRatio).toFixed(2)}`);
      return {
        request: 'GET /v1/customers/{c}/bills/{period} (3 items)', concurrency: CONCURRENCY, cellMs: CELL_MS, rounds, summary,
        ratioThreeBehindHaproxyToOne: ratio, floorRatioThreeBehindHaproxyToOne: floorRatio, ratioShareOfFloor: ratio / floorRatio,
        floorWorkMs: FLOOR_WORK_MS, workingFloorRatioThreeBehindHaproxyToOne: workingFloorRatio, ratioShareOfWorkingFloor: ratio / workingFloorRatio,
      };
    } finally {
      for (const proxy of proxies) await proxy.stop();
      for (const child of floorProcesses) child.kill();
    }
  });
  await saveResult('replicas', run, figures);
}
