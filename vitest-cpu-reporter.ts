// A vitest reporter that prints the CPU a test run used: the run's process and everything it
// started (test workers, embedded PostgreSQL, Temporal, the apps of a stack), read from /proc. On a
// two-core CI machine the whole test command is bound by CPU, so this, not wall time, says which
// suite (and, where files run one at a time, which file) to make cheaper.
import { readdirSync, readFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds of `root` and its live descendants so far, each with what its reaped children used
 * (cutime/cstime): everything the tree used except processes that outlived their parent. NaN
 * without /proc.
 */
export function treeCpuSeconds(root = process.pid): number {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return Number.NaN;
  }
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the fields after it are fixed
      // (man 5 proc): ppid is the 2nd, utime, stime, cutime, cstime the 12th to 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      ticks.set(pid, Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch {
      // gone between the listing and the read
    }
  }
  let total = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    total += ticks.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total / CLOCK_TICKS_PER_SECOND;
}

export interface CpuReporterOptions {
  /** Print each file's CPU too: meaningful only where files run one at a time. */
  perFile?: boolean;
  /** Named in each line, e.g. the project. */
  label?: string;
}

export default class CpuReporter implements Reporter {
  private readonly started = treeCpuSeconds();
  private readonly startedAt = Date.now();
  private readonly fileStarts = new Map<string, { cpu: number; at: number }>();

  private readonly options: CpuReporterOptions;

  constructor(options: CpuReporterOptions = {}) {
    this.options = options;
  }

  private get name(): string {
    return this.options.label ?? process.cwd().split('/').slice(-2).join('/');
  }

  onTestModuleStart(testModule: TestModule): void {
    if (this.options.perFile) this.fileStarts.set(testModule.moduleId, { cpu: treeCpuSeconds(), at: Date.now() });
  }

  onTestModuleEnd(testModule: TestModule): void {
    const start = this.fileStarts.get(testModule.moduleId);
    if (start === undefined) return;
    const cpu = treeCpuSeconds() - start.cpu;
    if (Number.isNaN(cpu)) return;
    const file = testModule.moduleId.slice(process.cwd().length + 1);
    process.stdout.write(`cpu | ${this.name} | ${file}: ${cpu.toFixed(1)} s CPU in ${((Date.now() - start.at) / 1000).toFixed(1)} s\n`);
  }

  onTestRunEnd(): void {
    const cpu = treeCpuSeconds() - this.started;
    if (Number.isNaN(cpu)) return;
    process.stdout.write(`cpu | ${this.name} | the whole run: ${cpu.toFixed(1)} s CPU in ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s\n`);
  }
}
