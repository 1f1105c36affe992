import type { TestProject } from 'vitest/node';
import { startStack, type MetricsSource, type Stack } from '@billing/devstack';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    billServiceAddress: string;
    ratesServiceAddress: string;
    databaseUrl: string;
    temporalAddress: string;
    adminApiKey: string;
    serviceToken: string;
    /** Each app's `/metrics` URL and the worker's Temporal SDK one. */
    metricsUrls: Record<MetricsSource, string>;
    /** The Temporal dev server's own metrics. */
    temporalServerMetricsUrl: string;
  }
}

let stack: Stack | undefined;
const lines: string[] = [];

export async function setup(project: TestProject) {
  try {
    // The suite makes thousands of calls with the admin key: the default limit would throttle it.
    // Its webhook receivers listen on loopback, as under `npm start`, and a failed delivery is
    // retried after about a second rather than the production schedule's 5 s, 5 min, ...
    stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCHEDULE: '1s' }, print: (line) => lines.push(line) });
  } catch (error) {
    process.stderr.write(`${lines.slice(-50).join('\n')}\n`);
    throw error;
  }
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('billServiceAddress', stack.billServiceUrl.replace('http://', ''));
  project.provide('ratesServiceAddress', stack.ratesServiceUrl.replace('http://', ''));
  project.provide('databaseUrl', stack.databaseUrl);
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('adminApiKey', stack.adminApiKey);
  project.provide('serviceToken', stack.serviceToken);
  project.provide('metricsUrls', stack.metricsUrls);
  // The suite always starts its own Temporal, so the dev server's metrics are always there.
  if (!stack.temporalServerMetricsUrl) throw new Error('the stack started no Temporal dev server');
  project.provide('temporalServerMetricsUrl', stack.temporalServerMetricsUrl);
}

/**
 * Where a secret shows in the apps' output: an API key of any test, a webhook signing secret, the
 * admin key or the service credential.
 */
function leakedSecrets(secrets: string[]): string[] {
  return lines.filter((line) => /bsk_[A-Za-z0-9_-]{43}|whsec_[A-Za-z0-9+/]{20}/.test(line) || secrets.some((secret) => line.includes(secret)));
}

export async function teardown() {
  const secrets = stack ? [stack.adminApiKey, stack.serviceToken] : [];
  await stack?.stop();
  // Every app logged at info for the whole run; none of it may hold a key the tests issued or used.
  const leaks = leakedSecrets(secrets);
  if (leaks.length > 0) throw new Error(`the apps logged ${leaks.length} line(s) holding a secret, e.g. ${leaks[0]?.slice(0, 80)}...`);
}
