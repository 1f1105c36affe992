import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleSum, scrapeMetrics } from '../src/testing/index.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

interface LogLine { level: number; msg: string; [field: string]: unknown }

interface Run {
  child: ChildProcess;
  lines: LogLine[];
  exitCode: Promise<number | null>;
  waitFor(message: string): Promise<LogLine>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: LogLine[] = [];
  const waiters: Array<() => void> = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) lines.push(JSON.parse(line) as LogLine);
    for (const wake of waiters.splice(0)) wake();
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': only then has everything the process wrote been read.
  let closed = false;
  const exitCode = new Promise<number | null>((resolve) => child.once('close', (code) => {
    closed = true;
    resolve(code);
  }));
  const waitFor = async (message: string): Promise<LogLine> => {
    for (;;) {
      const found = lines.find((line) => line.msg.includes(message));
      if (found) return found;
      if (closed) throw new Error(`exited before logging "${message}": ${JSON.stringify(lines)} ${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        child.once('close', () => resolve());
      });
    }
  };
  return { child, lines, exitCode, waitFor };
}

const FATAL = 60;

describe('runApp', () => {
  it('refuses a bad variable by name: one fatal line, exit 1, nothing started', async () => {
    const app = run({ FIXTURE_PORT: '65536' });
    expect(await app.exitCode).toBe(1);
    expect(app.lines).toHaveLength(1);
    expect(app.lines[0]).toMatchObject({
      level: FATAL,
      service: 'fixture',
      msg: 'fixture refused its configuration: FIXTURE_PORT must be between 0 and 65535, got 65536',
      problems: ['FIXTURE_PORT must be between 0 and 65535, got 65536'],
    });
  });

  it('refuses a bad LOG_LEVEL loudly even though it cannot know the level yet', async () => {
    const app = run({ LOG_LEVEL: 'loud' });
    expect(await app.exitCode).toBe(1);
    expect(app.lines[0]?.level).toBe(FATAL);
    expect(app.lines[0]?.msg).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
  });

  it('logs fatal and exits 1 when the app cannot start (its port is taken)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const app = run({ FIXTURE_PORT: String(port) });
      expect(await app.exitCode).toBe(1);
      const fatal = app.lines.find((line) => line.level === FATAL);
      expect(fatal?.msg).toBe('fixture failed to start');
      expect(JSON.stringify(fatal?.err)).toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('drains on SIGTERM: the request in flight is answered, then the process exits 0', async () => {
    const app = run({});
    const { port } = await app.waitFor('fixture listening') as LogLine & { port: number };
    const answer = fetch(`http://127.0.0.1:${port}/`).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 50));
    app.child.kill('SIGTERM');
    expect(await answer).toBe('slow answer');
    expect(await app.exitCode).toBe(0);
    const messages = app.lines.map((line) => line.msg);
    expect(messages.indexOf('fixture draining')).toBeGreaterThan(messages.indexOf('fixture started'));
    expect(messages.at(-1)).toBe('fixture stopped');
    expect(app.lines.find((line) => line.msg === 'fixture draining')?.signal).toBe('SIGTERM');
  });

  it('drains on SIGINT the same way', async () => {
    const app = run({});
    await app.waitFor('fixture started');
    app.child.kill('SIGINT');
    expect(await app.exitCode).toBe(0);
    expect(app.lines.at(-1)?.msg).toBe('fixture stopped');
  });

  it('gives up on a drain that hangs: fatal and exit 1 after the drain timeout', async () => {
    const app = run({ FIXTURE_MODE: 'hang-on-close' });
    await app.waitFor('fixture started');
    app.child.kill('SIGTERM');
    expect(await app.exitCode).toBe(1);
    const fatal = app.lines.at(-1);
    expect(fatal).toMatchObject({ level: FATAL, msg: 'fixture failed to stop' });
    expect(JSON.stringify(fatal?.err)).toContain('draining took longer than 2000 ms');
  });

  it('logs fatal and exits 1 when a started app fails by itself', async () => {
    const app = run({ FIXTURE_MODE: 'fail-later' });
    expect(await app.exitCode).toBe(1);
    const fatal = app.lines.at(-1);
    expect(fatal).toMatchObject({ level: FATAL, msg: 'fixture failed' });
    expect(JSON.stringify(fatal?.err)).toContain('lost the connection for good');
  });

  it('turns an uncaught exception into a fatal line and exit 1', async () => {
    const app = run({ FIXTURE_MODE: 'throw-later' });
    expect(await app.exitCode).toBe(1);
    const fatal = app.lines.at(-1);
    expect(fatal).toMatchObject({ level: FATAL, msg: 'fixture crashed' });
    expect(JSON.stringify(fatal?.err)).toContain('boom outside any request');
  });

  it('serves /metrics on METRICS_PORT with the process defaults while it runs, and closes it when drained', async () => {
    const app = run({});
    const { port } = await app.waitFor('metrics listening') as LogLine & { port: number };
    await app.waitFor('fixture started');
    const scrape = await scrapeMetrics(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(sampleSum(scrape, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(scrape.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    app.child.kill('SIGTERM');
    expect(await app.exitCode).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails to start, fatal and exit 1, when the metrics port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    try {
      const app = run({ METRICS_PORT: String((taken.address() as { port: number }).port) });
      expect(await app.exitCode).toBe(1);
      const fatal = app.lines.find((line) => line.level === FATAL);
      expect(fatal?.msg).toBe('fixture failed to start');
      expect(JSON.stringify(fatal?.err)).toContain('EADDRINUSE');
      expect(app.lines.some((line) => line.msg === 'fixture listening')).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('refuses a METRICS_PORT that is no port by name', async () => {
    const app = run({ METRICS_PORT: 'metrics' });
    expect(await app.exitCode).toBe(1);
    expect(app.lines[0]?.msg).toContain('METRICS_PORT must be a whole number, got "metrics"');
  });
});
