import { spawn, type ChildProcess } from 'node:child_process';
import { childEnv } from './env.ts';

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** SIGTERM: the app drains and exits (SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL: the app dies at once, mid-request, as in a crash or an OOM kill. */
  kill(): Promise<void>;
}

/** SIGKILL; resolves once the process is gone. */
export function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveKill) => {
    child.once('exit', () => resolveKill());
    child.kill('SIGKILL');
  });
}

/**
 * Runs one of the project's Node programs from source (`--conditions=source` resolves the
 * workspace packages to their TypeScript), prefixing its output with its name. `preload`
 * modules run first (`--import`), as the tracing register module must.
 */
export function startNodeProgram(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { cwd: string; print?: (line: string) => void; preload?: readonly string[]; nodeFlags?: readonly string[] },
): AppProcess {
  const imports = (options.preload ?? []).map((module) => `--import=${module}`);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--conditions=source', '--disable-warning=ExperimentalWarning', ...imports, entry], {
    cwd: options.cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const print = options.print;
  let pending = '';
  const relay = (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) print?.(`${name.padEnd(13)}| ${line}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return { name, child, stop: () => stopProcess(child), kill: () => killProcess(child) };
}

/** Runs a program to completion; rejects with its output when it fails. */
export function runNodeProgram(entry: string, env: Record<string, string>, cwd: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', entry], {
      cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolveRun(output) : reject(new Error(`${entry} failed:\n${output}`))));
  });
}
