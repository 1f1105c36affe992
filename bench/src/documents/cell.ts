// One cell of the documents benchmark, in its own process so its peak RSS is its own: renders
// invoices of `lines` lines with `concurrency` renders in flight until `count` are done or
// `maxMs` has passed, after a warm-up, and prints its figures as one JSON line.
//
//   node --conditions=source src/documents/cell.ts '{"candidate":"production","lines":25,"concurrency":1,"count":400,"maxMs":4000}'
import { renderInvoiceDocuments } from '@billing/documents';
import PDFDocument from 'pdfkit';
import { invoiceInput } from './inputs.ts';

export type Candidate = 'production' | 'bare-pdfkit';

export interface CellPlan {
  candidate: Candidate;
  lines: number;
  concurrency: number;
  count: number;
  maxMs: number;
}

export interface CellResult extends CellPlan {
  rendered: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Bytes of one rendering: all three forms for production, the PDF for the baseline. */
  bytes: number;
  /** The process's CPU time (every thread: GC helpers too) per invoice rendered, ms: unlike the rate, barely moved by other work on the machine. */
  cpuMsPerInvoice: number;
  /** The process's peak resident set size, in MiB (getrusage). */
  peakRssMiB: number;
}

const WARMUP = 3;

/** A plain invoice straight from pdfkit: the same text, its standard Helvetica (not embedded), no PDF/A, no attachment. */
async function barePdf(input: ReturnType<typeof invoiceInput>): Promise<number> {
  const document = new PDFDocument({ size: 'A4', margin: 50 });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => document.on('end', resolve));
  document.font('Helvetica-Bold').fontSize(16).text(`Invoice ${input.bill.invoiceNumber}`);
  document.font('Helvetica').fontSize(9).text(`${input.seller.legalName} to ${input.customer?.legalName ?? input.bill.customerId}`);
  document.moveDown();
  for (const [index, line] of input.bill.lines.entries()) {
    document.text(`${index + 1}. ${line.description}   ${line.quantity} x ${line.unitPrice} ${line.currency} = ${line.amountMinor}`);
  }
  document.moveDown().font('Helvetica-Bold').text(`Total ${input.bill.totalMinor} ${input.bill.currency}`);
  document.end();
  await done;
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

async function renderOnce(plan: CellPlan, input: ReturnType<typeof invoiceInput>): Promise<number> {
  if (plan.candidate === 'bare-pdfkit') return barePdf(input);
  const documents = await renderInvoiceDocuments(input);
  return documents.reduce((sum, document) => sum + document.bytes.length, 0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function runCell(plan: CellPlan): Promise<CellResult> {
  const input = invoiceInput(plan.lines);
  let bytes = 0;
  for (let index = 0; index < WARMUP; index += 1) bytes = await renderOnce(plan, input);
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let issued = 0;
  const loop = async () => {
    while (issued < plan.count && performance.now() - started < plan.maxMs) {
      issued += 1;
      const at = performance.now();
      await renderOnce(plan, input);
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    ...plan, rendered: latencies.length, seconds, perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), bytes,
    cpuMsPerInvoice: (cpu.user + cpu.system) / 1000 / latencies.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const plan = JSON.parse(process.argv[2] ?? '') as CellPlan;
  process.stdout.write(`${JSON.stringify(await runCell(plan))}\n`);
}
