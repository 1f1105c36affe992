import { spawn } from 'node:child_process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort, repoRoot } from '@billing/devstack';
import { grpcurl } from '@billing/devstack';
import { answered } from './grpcurl.ts';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

async function startBillService(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=source', 'apps/bill-service/src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, BILL_SERVICE_PORT: String(port), LOG_LEVEL: 'error', BILLING_SERVICE_TOKEN: inject('serviceToken'), ...env },
    stdio: 'ignore',
  });
  children.push(child);
  return `127.0.0.1:${port}`;
}

async function healthOf(address: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      return (JSON.parse(answered(await grpcurl(address, ['grpc.health.v1.Health/Check']))) as { status: string }).status;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no health answer from ${address}`);
}

// Each test starts a bill-service and asks it with grpcurl until it answers: on a machine loaded by
// the other suites (load average 10 and more in a full CI run) that alone can take most of a minute.
describe('bill-service health', { timeout: 180_000 }, () => {
  it('reports NOT_SERVING while PostgreSQL does not answer', async () => {
    const deadPort = await freePort();
    const address = await startBillService({
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${deadPort}/billing`,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    expect(await healthOf(address)).toBe('NOT_SERVING');
  });

  it('reports NOT_SERVING while Temporal does not answer', async () => {
    const deadPort = await freePort();
    const address = await startBillService({
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}`,
    });
    expect(await healthOf(address)).toBe('NOT_SERVING');
  });
});
