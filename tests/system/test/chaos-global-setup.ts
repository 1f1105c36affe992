// One stack for the files that kill and restart apps (the `chaos-stack` project in vitest.config.ts).
// They run one at a time, so a kill in one cannot disturb another, and none of them can disturb the
// shared stack of the other files. The stack lives in this process; a file kills, stops and starts
// its apps through a small control server on loopback (test/chaos-stack.ts), and every app is up
// again before the next file starts (test/chaos-stack-setup.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startStack, type AppName, type Stack } from '@billing/devstack';

/** What a file needs to reach the stack, and where to ask for a kill; see `chaosStack()`. */
export type ChaosStackInfo = Pick<Stack,
  'gatewayUrl' | 'billServiceUrl' | 'ratesServiceUrl' | 'databaseUrl' | 'temporalAddress' | 'temporalNamespace' | 'adminApiKey' | 'serviceToken'
> & { controlUrl: string };

declare module 'vitest' {
  export interface ProvidedContext {
    chaosStack: ChaosStackInfo;
  }
}

export const APPS: AppName[] = ['rates-service', 'bill-service', 'worker', 'gateway'];
const ACTIONS = { kill: 'killApp', stop: 'stopApp', start: 'startApp' } as const;

let stack: Stack | undefined;
let control: Server | undefined;
const lines: string[] = [];

export async function setup(project: TestProject) {
  try {
    stack = await startStack({
      env: {
        LOG_LEVEL: 'warn',
        // Thousands of calls with the admin key; a client's own retries are what is under test.
        RATE_LIMIT_PER_MINUTE: '1000000',
        // A gateway call to a killed service gives up after 5 s, so a client retries soon.
        GRPC_TIMEOUT: '5s',
        // Webhook receivers listen on loopback; a short deadline keeps a dispatcher's lease
        // (2 × deadline + 5 s) and so a run after a killed worker short.
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT: '1s', WEBHOOK_POLL_INTERVAL: '1s',
      },
      print: (line) => {
        lines.push(line);
        if (lines.length > 2_000) lines.splice(0, 1_000);
      },
    });
  } catch (error) {
    process.stderr.write(`${lines.slice(-50).join('\n')}\n`);
    throw error;
  }
  const running = stack;
  control = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && url.pathname === '/output') {
      answer(200, lines.slice(-Number(url.searchParams.get('last') ?? 40)));
      return;
    }
    const match = /^\/apps\/([a-z-]+)\/(kill|stop|start)$/.exec(url.pathname);
    const app = match?.[1] as AppName | undefined;
    if (request.method !== 'POST' || !match || !app || !APPS.includes(app)) {
      answer(404, { error: `no such control: ${request.method} ${url.pathname}` });
      return;
    }
    running[ACTIONS[match[2] as keyof typeof ACTIONS]](app).then(
      () => answer(200, { ok: true }),
      (error: unknown) => answer(500, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve) => control!.listen(0, '127.0.0.1', resolve));
  const { port } = control.address() as AddressInfo;
  project.provide('chaosStack', {
    gatewayUrl: running.gatewayUrl,
    billServiceUrl: running.billServiceUrl,
    ratesServiceUrl: running.ratesServiceUrl,
    databaseUrl: running.databaseUrl,
    temporalAddress: running.temporalAddress,
    temporalNamespace: running.temporalNamespace,
    adminApiKey: running.adminApiKey,
    serviceToken: running.serviceToken,
    controlUrl: `http://127.0.0.1:${port}`,
  });
}

export async function teardown() {
  control?.closeAllConnections();
  await new Promise((resolve) => control ? control.close(resolve) : resolve(undefined));
  await stack?.stop();
}
