import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '@billing/devstack';
import { chaosStack } from './chaos-stack.ts';

// Each app's real entry point, run from source as `npm start` runs it, to check that all four
// start and stop the same way.

type AppName = 'gateway' | 'bill-service' | 'rates-service' | 'worker';

const ENTRIES: Record<AppName, string> = {
  gateway: 'apps/gateway/src/server.ts',
  'bill-service': 'apps/bill-service/src/server.ts',
  'rates-service': 'apps/rates-service/src/server.ts',
  worker: 'apps/worker/src/main.ts',
};

interface AppProcess {
  child: ChildProcess;
  exitCode: Promise<number | null>;
  /** The JSON lines written so far. */
  lines(): Array<Record<string, unknown>>;
  /** Resolves once a line with this message is written; fails if the process exits first. */
  logged(message: string, timeoutMs?: number): Promise<void>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function launch(app: AppName, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', ENTRIES[app]], {
    cwd: repoRoot,
    // Only what the test gives: nothing from this shell may stand in for a missing variable.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': only then has everything the process wrote been read.
  let closed = false;
  const exitCode = new Promise<number | null>((resolve) => child.once('close', (code) => {
    closed = true;
    resolve(code);
  }));
  const lines = () => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const logged = async (message: string, timeoutMs = 50_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!lines().some((line) => line.msg === message)) {
      if (closed) throw new Error(`${app} exited ${child.exitCode} before "${message}":\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`${app} did not log "${message}" in time:\n${stdout}\n${stderr}`);
      await sleep(100);
    }
  };
  return { child, exitCode, lines, logged };
}

const FATAL = 60;

// It starts apps of its own beside the chaos project's stack, whose PostgreSQL and Temporal they use;
// it runs there, not on the shared stack, to keep the two lanes of the system tests about equally long.
const stack = chaosStack();

/** Enough for each app to start against the stack's PostgreSQL and Temporal, on free ports. */
async function workingEnv(app: AppName): Promise<Record<string, string>> {
  const common = {
    DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, LOG_LEVEL: 'info', BILLING_SERVICE_TOKEN: stack.serviceToken,
  };
  switch (app) {
    case 'gateway':
      return { ...common, GATEWAY_PORT: String(await freePort()), GATEWAY_HOST: '127.0.0.1' };
    case 'bill-service':
      return { ...common, BILL_SERVICE_PORT: String(await freePort()), BILL_SERVICE_HOST: '127.0.0.1' };
    case 'rates-service':
      return { ...common, RATES_SERVICE_PORT: String(await freePort()), RATES_SERVICE_HOST: '127.0.0.1' };
    case 'worker':
      // Its own queue, so it takes no work from the suite's worker while it runs.
      return { ...common, TEMPORAL_TASK_QUEUE: 'app-process-test' };
  }
}

describe.each<[AppName, string, string, string]>([
  ['gateway', 'GATEWAY_PORT', '70000', 'GATEWAY_PORT must be between 0 and 65535, got 70000'],
  ['bill-service', 'DATABASE_POOL_MAX', '0', 'DATABASE_POOL_MAX must be between 1 and 100, got 0'],
  ['rates-service', 'RATES_PROVIDER_TIMEOUT', '0ms', 'RATES_PROVIDER_TIMEOUT must be between 100ms and 1m, got 0ms'],
  ['worker', 'DATABASE_POOL_MAX', '65535', 'DATABASE_POOL_MAX must be between 1 and 100, got 65535'],
])('%s', (app, variable, value, problem) => {
  it(`refuses ${variable}=${value}, naming it in a fatal line, and exits 1`, async () => {
    const process = launch(app, { ...await workingEnv(app), [variable]: value });
    expect(await process.exitCode).toBe(1);
    const fatal = process.lines().filter((line) => line.level === FATAL);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ service: app, msg: `${app} refused its configuration: ${problem}`, problems: [problem] });
  });

  it('drains on SIGTERM and exits 0', async () => {
    const process = launch(app, await workingEnv(app));
    await process.logged(`${app} started`);
    process.child.kill('SIGTERM');
    expect(await process.exitCode).toBe(0);
    const messages = process.lines().map((line) => line.msg);
    expect(messages.at(-1)).toBe(`${app} stopped`);
    expect(messages.indexOf(`${app} draining`)).toBeGreaterThan(messages.indexOf(`${app} started`));
    expect(process.lines().some((line) => typeof line.level === 'number' && line.level >= FATAL)).toBe(false);
  });
});

describe('an app that cannot start', () => {
  it('logs fatal and exits 1 when its port is taken', async () => {
    const taken = new URL(stack.gatewayUrl).port;
    const process = launch('gateway', { ...await workingEnv('gateway'), GATEWAY_PORT: taken });
    expect(await process.exitCode).toBe(1);
    const fatal = process.lines().find((line) => line.level === FATAL);
    expect(fatal?.msg).toBe('gateway failed to start');
    expect(JSON.stringify(fatal?.err)).toContain('EADDRINUSE');
  });

  it('logs fatal and exits 1 when the worker cannot reach Temporal', async () => {
    const process = launch('worker', { ...await workingEnv('worker'), TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    expect(await process.exitCode).toBe(1);
    expect(process.lines().find((line) => line.level === FATAL)?.msg).toBe('worker failed to start');
  });
});
