// CPU time of the stack's processes, read from /proc (Linux), so the run shows which process
// is busy during each load: the apps by entry file, Temporal, and PostgreSQL with its backends.
import { readdir, readFile } from 'node:fs/promises';

const CLOCK_TICKS_PER_SECOND = 100;

interface ProcessInfo {
  pid: number;
  ppid: number;
  cpuTicks: number;
  label: string;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      label: labelOf(cmdline, stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))),
    };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function labelOf(cmdline: string, comm: string): string {
  const app = /apps\/([a-z-]+)\/src\//.exec(cmdline);
  if (app) return app[1] as string;
  // The replicas benchmark's floor processes (src/floor/).
  const floor = /src\/floor\/(bare-[a-z]+)\.ts/.exec(cmdline);
  if (floor) return (floor[1] as string).replace('-', ' ');
  if (comm.startsWith('postgres') || cmdline.includes('postgres')) return 'postgres';
  if (comm === 'temporal' || cmdline.includes('start-dev')) return 'temporal';
  return comm;
}

/** CPU seconds so far of this process and every descendant, summed by label. */
export async function sampleCpu(): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  let all: ProcessInfo[];
  try {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
    all = (await Promise.all(pids.map(readProcess))).filter((info): info is ProcessInfo => info !== undefined);
  } catch {
    return totals; // no /proc: the table simply has no CPU column
  }
  const children = new Map<number, ProcessInfo[]>();
  for (const info of all) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  const self = all.find((info) => info.pid === process.pid);
  const queue = self ? [{ ...self, label: 'bench' }] : [];
  while (queue.length > 0) {
    const info = queue.pop() as ProcessInfo;
    totals.set(info.label, (totals.get(info.label) ?? 0) + info.cpuTicks / CLOCK_TICKS_PER_SECOND);
    // Children of PostgreSQL are its backends: count them as PostgreSQL whatever they are called.
    for (const child of children.get(info.pid) ?? []) queue.push(info.label === 'postgres' ? { ...child, label: 'postgres' } : child);
  }
  return totals;
}

/** Share of one core each label used between two samples, e.g. "worker 85%". */
export function cpuShares(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  return [...after]
    .map(([label, total]) => [label, (total - (before.get(label) ?? 0)) / seconds] as const)
    .filter(([, share]) => share >= 0.05)
    .sort(([, a], [, b]) => b - a)
    .map(([label, share]) => `${label} ${Math.round(share * 100)}%`)
    .join(', ');
}

/** CPU milliseconds each label used per operation between two samples, e.g. { worker: 19.8 }. */
export function cpuMsPerOperation(before: Map<string, number>, after: Map<string, number>, operations: number): Record<string, number> {
  if (operations === 0) return {};
  return Object.fromEntries([...after]
    .map(([label, total]) => [label, ((total - (before.get(label) ?? 0)) * 1000) / operations] as const)
    .filter(([, msPerOp]) => msPerOp > 0)
    .sort(([, a], [, b]) => b - a));
}

/** The worker's threads by what runs on them, from the names Node, V8 and the SDK's core give them. */
function threadKind(comm: string): string {
  if (comm === 'MainThread') return 'main thread';
  if (comm === 'WorkerThread') return 'workflow thread';
  if (comm.startsWith('tokio') || comm.startsWith('temporal') || comm.startsWith('workflow-proces')) return 'SDK core';
  if (comm === 'V8Worker' || comm.startsWith('DelayedTask')) return 'V8 helpers';
  return 'other';
}

/**
 * CPU seconds so far of each kind of thread of the processes labelled `label` (the worker): where
 * its CPU goes between the main thread (activities, the SDK's bridge), the workflow thread (the
 * sandbox), the SDK's Rust core and V8's own helper threads (garbage collection, compilation).
 */
export async function sampleThreads(label: string): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  try {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
    for (const info of await Promise.all(pids.map(readProcess))) {
      if (info?.label !== label) continue;
      for (const tid of await readdir(`/proc/${info.pid}/task`).catch(() => [] as string[])) {
        const stat = await readFile(`/proc/${info.pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
        if (stat === undefined) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const kind = threadKind(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
        totals.set(kind, (totals.get(kind) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND);
      }
    }
  } catch {
    // no /proc: no split
  }
  return totals;
}
