import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

// The SDK README's examples are the files in packages/sdk/examples (the README shows them as they
// are); each runs here as a user would run it, against the shared stack, and must end cleanly
// having printed what the README says it prints.

const EXAMPLES = resolve(import.meta.dirname, '../../../packages/sdk/examples');

function period(ahead: number): string {
  const month = new Date();
  month.setUTCDate(1);
  month.setUTCMonth(month.getUTCMonth() + ahead);
  return month.toISOString().slice(0, 7);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function runExample(file: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', resolve(EXAMPLES, file)], {
      cwd: EXAMPLES,
      env: { ...process.env, BILLING_URL: inject('gatewayUrl'), BILLING_API_KEY: inject('adminApiKey'), ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 45_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('the SDK README examples', () => {
  const customerId = `sys-example-${randomUUID().slice(0, 8)}`;

  it('quickstart.ts opens, fills and closes a bill, lists the bills and reads a 404 as a typed error', async () => {
    const { code, output } = await runExample('quickstart.ts', { CUSTOMER_ID: customerId, BILLING_PERIOD: period(2) });
    expect(output).toMatch(/^INV-\d{4}-\d+: 13\.50 USD due$/m);
    expect(output).toContain(`${period(2)} CLOSED 13.50`);
    expect(output).toMatch(/^404 not_found$/m);
    expect(code, output).toBe(0);
  });

  it('events.ts follows the customer\'s events, each printed by its type', async () => {
    const { code, output } = await runExample('events.ts', { CUSTOMER_ID: customerId, FOLLOW_MS: '3000' });
    expect(output).toMatch(/^evt_\w+ invoice INV-\d{4}-\d+: 13\.50 due$/m);
    expect(output).toMatch(/^evt_\w+ item API calls on bill_\w+$/m);
    expect(output).toMatch(/^evt_\w+ bill\.created$/m);
    expect(code, output).toBe(0);
  });

  it('webhooks.ts receives a delivery, verifies it and reads its typed event', async () => {
    const { code, output } = await runExample('webhooks.ts', { CUSTOMER_ID: customerId, BILLING_PERIOD: period(3), PORT: String(await freePort()) });
    expect(output).toMatch(new RegExp(`^bill bill_\\w+ opened for ${period(3)}$`, 'm'));
    expect(code, output).toBe(0);
  });
});
