import { Connection, Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { createDb, type Db } from '@billing/db';
import { TEMPORAL_PROBE_TIMEOUT_MS } from './deadlines.ts';
import type { BillServiceEnv } from './env.ts';

export interface Dependencies {
  db: Db;
  temporal: Client;
  close(): Promise<void>;
}

/**
 * Opens the pool and the Temporal connection. Neither needs its peer to be up yet: knex
 * connects on first use and the Temporal connection is lazy, so the service starts, reports
 * NOT_SERVING, and recovers by itself once PostgreSQL and Temporal answer.
 */
export function openDependencies(env: BillServiceEnv): Dependencies {
  const db = createDb({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, applicationName: 'bill-service' });
  // Plaintext, TLS, mutual TLS or an API key, as TEMPORAL_* configure it (@billing/runtime).
  const connection = Connection.lazy(env.temporalConnection);
  // Starts, updates and queries carry the active trace in their Temporal headers, so the
  // workflow's spans continue the RPC's trace (a pass-through while tracing is off).
  const temporal = new Client({
    connection, namespace: env.TEMPORAL_NAMESPACE,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
  return {
    db,
    temporal,
    async close() {
      await connection.close().catch(() => {});
      await db.destroy();
    },
  };
}

/** Health checks behind grpc.health.v1: SERVING only while both dependencies answer. */
export function dependencyChecks(deps: Dependencies, namespace: string) {
  return {
    postgres: async () => {
      await deps.db.raw('select 1');
    },
    temporal: async () => {
      await deps.temporal.connection.withDeadline(Date.now() + TEMPORAL_PROBE_TIMEOUT_MS, () =>
        deps.temporal.workflowService.describeNamespace({ namespace }));
    },
  };
}
