// Writes the gateway's OpenAPI document without a server or any backend: the gateway is built as
// production builds it (services, PostgreSQL and keys configured, so every route and every rule
// is in the document), asked for its document and closed; nothing is dialled or listened on.
//
//   node --conditions=source apps/gateway/src/openapi-export.ts [out]   (default api/openapi.json)
//
// The committed api/openapi.json is this output; CI exports again and fails on any difference.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDb } from '@billing/db';
import { createLogger } from '@billing/runtime';
import { buildGateway } from './app.ts';
import { connectToServices } from './clients.ts';

/** The document as the running gateway serves it at /openapi.json, as pretty JSON. */
export async function exportOpenApi(): Promise<string> {
  // Addresses nothing answers on: building the gateway never connects, and nothing is sent.
  const connections = connectToServices({ rates: 'http://127.0.0.1:9', bills: 'http://127.0.0.1:9' }, 'unused');
  const db = createDb({ url: 'postgres://unused@127.0.0.1:9/unused', poolMax: 1, applicationName: 'openapi-export' });
  try {
    const app = await buildGateway({
      transports: connections.transports,
      logger: createLogger('openapi-export', 'silent'),
      idempotency: { db, ttlMs: 24 * 60 * 60_000 },
      access: { db, adminApiKey: 'unused', defaultRateLimitPerMinute: 600 },
    });
    try {
      await app.ready();
      return `${JSON.stringify(app.swagger(), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    connections.close();
    await db.destroy();
  }
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? resolve(import.meta.dirname, '../../../api/openapi.json'));
  writeFileSync(out, await exportOpenApi());
  process.stdout.write(`wrote ${out}\n`);
}
