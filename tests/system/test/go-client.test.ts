import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

// The Go client (clients/go, generated from proto/ with buf) against the shared stack: its
// integration tests call bill-service and rates-service over gRPC with the service credential and
// read the same bill over REST. Go's module and build caches live in the tools cache, which CI
// keeps between runs: the first run downloads and compiles the dependencies (about 40 s of CPU),
// later ones reuse them (about 3 s). -trimpath keeps the build cache's keys free of the checkout's
// path: without it, a clone in a new folder (each CI run's) compiled the client's own packages
// again, about 20 s of CPU.
const goCaches = join(process.env.BILLING_TOOLS_DIR ?? join(homedir(), '.cache', 'billing-platform'), 'go');

describe('the Go gRPC client', () => {
  it('adds items to a bill with the service credential, reads it back, and is refused with a wrong one', { timeout: 240_000 }, async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done, fail) => {
      const child = spawn('go', ['test', '-tags', 'integration', '-count=1', './...'], {
        cwd: resolve(import.meta.dirname, '../../../clients/go'),
        env: {
          ...process.env,
          BILL_SERVICE_URL: `http://${inject('billServiceAddress')}`,
          RATES_SERVICE_URL: `http://${inject('ratesServiceAddress')}`,
          BILLING_SERVICE_TOKEN: inject('serviceToken'),
          GATEWAY_URL: inject('gatewayUrl'),
          BILLING_API_KEY: inject('adminApiKey'),
          CGO_ENABLED: '0',
          GOMODCACHE: join(goCaches, 'mod'),
          GOCACHE: join(goCaches, 'build'),
          // Writable module files, so the tools cache can be deleted like any folder; no VCS stamping;
          // no checkout path in the build.
          GOFLAGS: '-modcacherw -buildvcs=false -trimpath',
        },
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', fail);
      child.once('exit', (exitCode) => done({ code: exitCode, output: text }));
    });
    expect(output).toMatch(/^ok\s+billing-platform\/clients\/go\/billing\b/m);
    expect(code, output).toBe(0);
  });
});
