// `npm start`: the whole platform on this machine, until Ctrl-C.
import { dirname, isAbsolute, join } from 'node:path';
import { METRICS_PORTS, readTelemetryConfig } from '@billing/runtime';
import { adminKeyFor, serviceTokenFor } from './admin-key.ts';
import { loadStartEnv } from './env.ts';
import { repoRoot, toolPath } from './paths.ts';
import { startStack } from './stack.ts';

const env = loadStartEnv();
// Read here only to say where traces go; each app reads the same OTEL_* variables itself.
const tracing = readTelemetryConfig();
const began = Date.now();
const print = (line: string) => process.stdout.write(`${line}\n`);
print('starting PostgreSQL, Temporal and the four apps...');

const dataDir = join(repoRoot, '.data');
const admin = await adminKeyFor(dataDir, env.BILLING_ADMIN_API_KEY);
const serviceToken = await serviceTokenFor(dataDir, env.BILLING_SERVICE_TOKEN);
const stack = await startStack({
  dataDir,
  adminApiKey: admin.key,
  // Local development: webhooks may point at http and loopback receivers (bill-service checks
  // the URL when it is registered, the worker again when it connects).
  env: { BILLING_SERVICE_TOKEN: serviceToken.key, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
  databaseUrl: env.DATABASE_URL,
  temporalAddress: env.TEMPORAL_ADDRESS,
  temporalNamespace: env.TEMPORAL_NAMESPACE,
  ports: {
    gateway: env.GATEWAY_PORT,
    billService: env.BILL_SERVICE_PORT,
    ratesService: env.RATES_SERVICE_PORT,
    temporal: env.TEMPORAL_PORT,
    temporalUi: env.TEMPORAL_UI_PORT,
    postgres: env.POSTGRES_PORT,
  },
  metricsPorts: METRICS_PORTS,
  print,
});

// The tools the README's walk-through uses, found where the bootstrap put them; one line puts them on PATH.
const toolDirs = [...new Set((['temporal', 'grpcurl'] as const).map((tool) => toolPath(tool)).filter((path) => isAbsolute(path)).map((path) => dirname(path)))];
const toolsLine = toolDirs.length > 0 ? `export PATH="${toolDirs.join(':')}:$PATH"` : '(temporal and grpcurl are on your PATH)';

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  print(`\n${signal}: stopping apps, Temporal and PostgreSQL...`);
  await stack.stop();
  print('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

print(`
Billing platform is up (${Math.round((Date.now() - began) / 100) / 10}s)

  REST gateway   ${stack.gatewayUrl}        (try: curl -H "Authorization: Bearer ${stack.adminApiKey}" ${stack.gatewayUrl}/v1/rates/USD/GEL)
  Admin API key  ${stack.adminApiKey}
                 ${admin.file ? `(a platform key, kept in ${admin.file}, mode 0600; delete the file and restart to replace it)` : '(from BILLING_ADMIN_API_KEY)'}
  API docs       ${stack.gatewayUrl}/docs
  OpenAPI        ${stack.gatewayUrl}/openapi.json
  bill-service   ${stack.billServiceUrl.replace('http://', '')}   (grpcurl -plaintext ${stack.billServiceUrl.replace('http://', '')} list)
  service token  ${serviceToken.file ?? '(from BILLING_SERVICE_TOKEN)'}   (grpcurl -H "x-billing-service-token: ..." for business calls)
  rates-service  ${stack.ratesServiceUrl.replace('http://', '')}   (grpcurl -plaintext ${stack.ratesServiceUrl.replace('http://', '')} list)
  Temporal       ${stack.temporalAddress}  namespace ${stack.temporalNamespace}
  Temporal UI    ${stack.temporalUiUrl ?? '(external Temporal: see its own UI)'}
  PostgreSQL     ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}

  Metrics (Prometheus text; see docs/operations.md)
    gateway        ${stack.metricsUrls.gateway}
    bill-service   ${stack.metricsUrls['bill-service']}
    rates-service  ${stack.metricsUrls['rates-service']}
    worker         ${stack.metricsUrls.worker}
    Temporal SDK   ${stack.metricsUrls.temporalSdk}   (the worker's pollers, task latencies, slots)
    Temporal       ${stack.temporalServerMetricsUrl ?? '(external Temporal: see its own metrics)'}   (the server's requests, persistence)

  Tools          ${toolsLine}   (temporal, grpcurl: the README's walk-through uses them)

  Traces         ${tracing ? `OTLP ${tracing.protocol} to ${tracing.tracesUrl}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to send them; see docs/operations.md)'}

Press Ctrl-C to stop everything.
`);
