// Every benchmark run leaves its raw figures in bench/results/<name>-<date>-<sha>.json, so a
// figure quoted in a README, a doc or a note can be traced to the run that produced it.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@billing/devstack';

export interface RunContext {
  readonly startedAt: Date;
  readonly loadAverageBefore: number[];
}

/** Call before the benchmark starts: notes the time and the machine's load. */
export function beginRun(): RunContext {
  return { startedAt: new Date(), loadAverageBefore: loadavg() };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Writes the raw result; returns its path relative to the repository. */
export async function saveResult(name: string, run: RunContext, figures: unknown): Promise<string> {
  const sha = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const result = {
    benchmark: name,
    date: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    git: { sha, dirty },
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryBytes: totalmem(),
      platform: `${process.platform}-${process.arch}`,
      node: process.version,
    },
    loadAverage: { before: run.loadAverageBefore, after: loadavg() },
    figures,
  };
  const folder = join(repoRoot, 'bench', 'results');
  await mkdir(folder, { recursive: true });
  const stamp = run.startedAt.toISOString().replaceAll(':', '').replace(/\.\d+Z$/, 'Z');
  const file = `${name}-${stamp}-${sha.slice(0, 7)}.json`;
  await writeFile(join(folder, file), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`raw result: bench/results/${file}`);
  return `bench/results/${file}`;
}
