// Invoice documents per second, as the close renders them (@billing/documents: the view model,
// UBL, HTML and a PDF/A-3b with embedded fonts and the UBL attached), next to a bare pdfkit
// baseline (the same text as a plain PDF with a standard font), in one run: bills of 25 and 400
// lines, one render at a time and the worker's default activity concurrency. Each cell runs in
// its own process (src/documents/cell.ts), so its peak RSS is its own. See bench/README.md.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { imageNodeFlags, repoRoot } from '@billing/devstack';
import type { CellPlan, CellResult, Candidate } from './documents/cell.ts';
import { LINE_COUNTS } from './documents/inputs.ts';
import { beginRun, saveResult } from './results.ts';
import { formatRate, printTable } from './table.ts';

/** The worker's maxConcurrentActivityTaskExecutions (apps/worker/src/worker.ts): closes in flight at once. */
const WORKER_CONCURRENCY = 100;
const CONCURRENCY = [1, WORKER_CONCURRENCY] as const;
const CANDIDATES: Candidate[] = ['production', 'bare-pdfkit'];
/** Each cell stops at whichever comes first. */
const MAX_MS = 5_000;
const COUNT: Record<number, number> = { 25: 1_000, 400: 200 };

function runInProcess(plan: CellPlan): Promise<CellResult> {
  return new Promise((resolve, reject) => {
    // With the worker's Node flags (its image's CMD): the young generation's size moves the peak RSS.
    const child = spawn(process.execPath, [...imageNodeFlags('worker'), ...process.execArgv, join(repoRoot, 'bench', 'src', 'documents', 'cell.ts'), JSON.stringify(plan)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`cell ${JSON.stringify(plan)} exited ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as CellResult);
    });
  });
}

export async function runDocumentsBenchmark(): Promise<void> {
  const run = beginRun();
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  const results: CellResult[] = [];
  for (const lines of LINE_COUNTS) {
    for (const concurrency of CONCURRENCY) {
      // Both candidates back to back for each shape, so a change of the machine's load hits both.
      for (const candidate of CANDIDATES) {
        const result = await runInProcess({ candidate, lines, concurrency, count: COUNT[lines] ?? 100, maxMs: MAX_MS });
        results.push(result);
        console.log(`${candidate} ${lines} lines x${concurrency}: ${result.perSecond.toFixed(1)}/s, p99 ${result.p99Ms.toFixed(0)} ms, ` +
          `CPU ${result.cpuMsPerInvoice.toFixed(1)} ms per invoice, peak RSS ${result.peakRssMiB.toFixed(0)} MiB`);
      }
    }
  }
  printTable(
    ['candidate', 'lines', 'in flight', 'invoices/s', 'p50 ms', 'p99 ms', 'CPU ms/invoice', 'peak RSS MiB', 'bytes'],
    results.map((result) => [
      result.candidate, String(result.lines), String(result.concurrency), formatRate(result.perSecond), result.p50Ms.toFixed(1),
      result.p99Ms.toFixed(1), result.cpuMsPerInvoice.toFixed(1), result.peakRssMiB.toFixed(0), String(result.bytes),
    ]),
  );
  console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  await saveResult('documents', run, { workerConcurrency: WORKER_CONCURRENCY, maxMsPerCell: MAX_MS, cells: results });
}
