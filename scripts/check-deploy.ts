// Runs each app's Dockerfile build steps outside Docker (no engine runs here) and proves the
// result starts: `turbo run build --filter @billing/<app>...`, `pnpm deploy --prod` into a temp
// folder, then `node dist/server.js` (worker: dist/main.js) from that folder with only the env a
// container would get, probed with the image's own infra/healthcheck.mjs, then stopped.
//
//   node scripts/check-deploy.ts [gateway] [bill-service] [rates-service] [worker] [--clean-context] [--keep]
//
// --clean-context builds like `docker build` does: in a copy of the repository filtered by
// .dockerignore, after `pnpm install --frozen-lockfile --offline`, with no dist or turbo cache
// (slower; catches a .dockerignore that drops a needed file or a lockfile out of step).
//
// bill-service, worker and gateway need PostgreSQL (the first two also Temporal): DATABASE_URL
// and TEMPORAL_ADDRESS when set, otherwise a throwaway pair from @billing/devstack. Apps run together as in
// docker-compose (migrations first, then rates-service, bill-service, worker, gateway), so the
// gateway's /readyz sees real services. Prints one line per app; exits 1 if any app fails.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, matchesGlob, relative, resolve } from 'node:path';
import { imageCommand } from '../packages/devstack/src/image-command.ts';

// --- configuration: the only place that reads the environment --------------------------------
const ROOT = resolve(import.meta.dirname, '..');
const config = {
  requested: process.argv.slice(2).filter((arg) => !arg.startsWith('--')),
  keep: process.argv.includes('--keep'),
  cleanContext: process.argv.includes('--clean-context'),
  databaseUrl: process.env.DATABASE_URL,
  temporalAddress: process.env.TEMPORAL_ADDRESS,
  temporalNamespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  temporalCli: process.env.TEMPORAL_CLI ?? 'temporal',
  startTimeoutMs: Number(process.env.CHECK_DEPLOY_TIMEOUT_MS ?? 90_000),
  /** What a container would inherit from its base image, nothing from this shell. */
  baseEnv: {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), NODE_ENV: 'production',
    // Free metrics ports: the fixed defaults would collide with `npm start` or another check on this machine.
    METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0',
  },
  /** The same pnpm settings as the Dockerfiles' build stage. */
  buildEnv: { ...process.env, CI: '1', PNPM_CONFIG_PM_ON_FAIL: 'ignore', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
};

// --- the apps, in docker-compose start order ---------------------------------------------------
interface Ports { [app: string]: number }
interface Stack { databaseUrl: string; temporalAddress: string; stop(): Promise<void> }
interface AppSpec {
  name: string;
  entry: string;
  needsStack: boolean;
  /** A script the Dockerfile runs on the deploy folder after `pnpm deploy`. */
  prune?: string;
  env(port: number, ports: Ports, stack: Stack | undefined, taskQueue: string): Record<string, string>;
  probe(port: number, running: Set<string>, stack: Stack | undefined): string;
}
// The secret every app needs to talk to (or be talked to by) the others; made per check.
const SERVICE_TOKEN = randomBytes(32).toString('base64url');
const APPS: AppSpec[] = [
  {
    name: 'rates-service', entry: 'dist/server.js', needsStack: false,
    env: (port) => ({ RATES_SERVICE_PORT: String(port), BILLING_SERVICE_TOKEN: SERVICE_TOKEN }),
    probe: (port) => `grpc://127.0.0.1:${port}`,
  },
  {
    name: 'bill-service', entry: 'dist/server.js', needsStack: true,
    env: (port, ports, stack, taskQueue) => ({
      BILL_SERVICE_PORT: String(port), DATABASE_URL: stack!.databaseUrl, TEMPORAL_ADDRESS: stack!.temporalAddress,
      TEMPORAL_NAMESPACE: config.temporalNamespace, TEMPORAL_TASK_QUEUE: taskQueue,
      RATES_SERVICE_URL: `http://127.0.0.1:${ports['rates-service'] ?? 1}`, BILLING_SERVICE_TOKEN: SERVICE_TOKEN,
    }),
    probe: (port) => `grpc://127.0.0.1:${port}`,
  },
  {
    name: 'worker', entry: 'dist/main.js', needsStack: true, prune: 'infra/prune-temporal-binaries.sh',
    env: (_port, ports, stack, taskQueue) => ({
      DATABASE_URL: stack!.databaseUrl, TEMPORAL_ADDRESS: stack!.temporalAddress,
      TEMPORAL_NAMESPACE: config.temporalNamespace, TEMPORAL_TASK_QUEUE: taskQueue,
      RATES_SERVICE_URL: `http://127.0.0.1:${ports['rates-service'] ?? 1}`, BILLING_SERVICE_TOKEN: SERVICE_TOKEN,
    }),
    // Same probe as the image's HEALTHCHECK; the poller check below proves the worker itself.
    probe: (_port, _running, stack) => `grpc://${stack!.temporalAddress}`,
  },
  {
    name: 'gateway', entry: 'dist/server.js', needsStack: true, // Idempotency-Key records live in PostgreSQL
    env: (port, ports, stack) => ({
      GATEWAY_PORT: String(port), DATABASE_URL: stack!.databaseUrl,
      BILL_SERVICE_URL: `http://127.0.0.1:${ports['bill-service'] ?? 1}`,
      RATES_SERVICE_URL: `http://127.0.0.1:${ports['rates-service'] ?? 1}`, BILLING_SERVICE_TOKEN: SERVICE_TOKEN,
    }),
    // /readyz checks the services behind the gateway; only meaningful when they run here.
    probe: (port, running) => running.has('bill-service') && running.has('rates-service')
      ? `http://127.0.0.1:${port}/readyz` : `http://127.0.0.1:${port}/healthz`,
  },
];

interface Result { app: string; ok: boolean; notes: string[] }

/** Copies the build context the way `docker build .` sends it, then installs as the Dockerfiles do. */
function prepareCleanContext(workDir: string): string {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    .map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const context = join(workDir, 'context');
  cpSync(ROOT, context, {
    recursive: true, verbatimSymlinks: true,
    filter: (source) => !ignored.some((pattern) => matchesGlob(relative(ROOT, source), pattern)),
  });
  const install = run('pnpm', ['install', '--frozen-lockfile', '--offline'], context);
  if (!install.ok) throw new Error(`pnpm install --frozen-lockfile --offline failed in the clean context\n${tail(install.output)}`);
  return context;
}

function run(command: string, args: string[], cwd = ROOT): { ok: boolean; stdout: string; output: string } {
  const result = spawnSync(command, args, { cwd, env: config.buildEnv, encoding: 'utf8', maxBuffer: 64 << 20 });
  const stdout = result.stdout ?? '';
  return { ok: result.status === 0, stdout, output: `${stdout}${result.stderr ?? ''}${result.error?.message ?? ''}` };
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).map((line) => `      | ${line}`).join('\n');
}

/** Bytes and files the image's runtime layer would hold: regular files, each inode once. */
function deploySize(dir: string): { bytes: number; files: number } {
  const seen = new Set<number>();
  let bytes = 0;
  let files = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const stat = lstatSync(full);
        if (seen.has(stat.ino)) continue;
        seen.add(stat.ino);
        bytes += stat.size;
        files += 1;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function probeUntilHealthy(url: string, child: ChildProcess): Promise<{ ok: boolean; detail: string; ms: number }> {
  const started = Date.now();
  let detail = '';
  while (Date.now() - started < config.startTimeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return { ok: false, detail: `exited with ${child.exitCode ?? child.signalCode} before becoming healthy`, ms: Date.now() - started };
    }
    const probe = run(process.execPath, [join(ROOT, 'infra/healthcheck.mjs'), url, '--verbose']);
    detail = probe.output.trim();
    if (probe.ok) return { ok: true, detail, ms: Date.now() - started };
    await sleep(500);
  }
  return { ok: false, detail: `still unhealthy after ${config.startTimeoutMs} ms: ${detail}`, ms: Date.now() - started };
}

/** The worker is only proven when Temporal lists it as a poller on its task queue. */
async function workerPolls(stack: Stack, taskQueue: string): Promise<string | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const describe = run(config.temporalCli, ['task-queue', 'describe', '--address', stack.temporalAddress,
      '--namespace', config.temporalNamespace, '--task-queue', taskQueue, '--output', 'json']);
    if (!describe.ok && /ENOENT/.test(describe.output)) return 'temporal CLI not found; poller not checked';
    const pollers = describe.ok ? (JSON.parse(describe.stdout) as { pollers?: { identity?: string }[] | null }).pollers : undefined;
    if (pollers && pollers.length > 0) return `polling task queue ${taskQueue} as ${pollers[0]?.identity ?? 'a worker'}`;
    await sleep(1000);
  }
  return undefined;
}

function stop(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(`had already exited (${child.exitCode ?? child.signalCode})`);
  return new Promise((done) => {
    const started = Date.now();
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      done(signal === 'SIGKILL' ? 'ignored SIGTERM for 10 s, killed' : `stopped on SIGTERM in ${Date.now() - started} ms (exit ${code ?? signal})`);
    });
    child.kill('SIGTERM');
  });
}

async function startStack(): Promise<Stack | string> {
  if (config.databaseUrl && config.temporalAddress) {
    return { databaseUrl: config.databaseUrl, temporalAddress: config.temporalAddress, stop: async () => {} };
  }
  const build = run('pnpm', ['turbo', 'run', 'build', '--filter', '@billing/devstack...', '--output-logs=errors-only']);
  if (!build.ok) return `no DATABASE_URL/TEMPORAL_ADDRESS and @billing/devstack does not build:\n${tail(build.output)}`;
  try {
    const devstack = await import(join(ROOT, 'packages/devstack/dist/index.js')) as {
      startPostgres(options: { temporary: boolean }): Promise<{ url: string; stop(): Promise<void> }>;
      startTemporal(): Promise<{ address: string; stop(): Promise<void> }>;
    };
    const postgres = config.databaseUrl ? undefined : await devstack.startPostgres({ temporary: true });
    const temporal = config.temporalAddress ? undefined : await devstack.startTemporal();
    return {
      databaseUrl: config.databaseUrl ?? postgres!.url,
      temporalAddress: config.temporalAddress ?? temporal!.address,
      async stop() {
        await temporal?.stop();
        await postgres?.stop();
      },
    };
  } catch (error) {
    return `could not start the dev stack: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function main(): Promise<number> {
  const unknown = config.requested.filter((name) => !APPS.some((app) => app.name === name));
  if (unknown.length > 0) {
    console.error(`unknown app(s) ${unknown.join(', ')}; choose from ${APPS.map((app) => app.name).join(', ')}`);
    return 2;
  }
  const selected = APPS.filter((app) => config.requested.length === 0 || config.requested.includes(app.name));
  const results = new Map<string, Result>(selected.map((app) => [app.name, { app: app.name, ok: true, notes: [] }]));
  const workDir = mkdtempSync(join(tmpdir(), 'check-deploy-'));
  const children = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();
  const ports: Ports = {};
  const running = new Set<string>();
  const taskQueue = `check-deploy-${process.pid}`;
  let stack: Stack | undefined;
  const failApp = (name: string, note: string) => {
    const result = results.get(name)!;
    result.ok = false;
    result.notes.push(note);
  };

  try {
    if (selected.some((app) => app.needsStack)) {
      const started = await startStack();
      if (typeof started === 'string') {
        for (const app of selected.filter((candidate) => candidate.needsStack)) {
          failApp(app.name, `SKIPPED: ${started}`);
          if (config.requested.length === 0) results.get(app.name)!.ok = true; // not asked for by name
        }
      } else stack = started;
    }

    // Phase 1, the Dockerfiles' build stage: build and deploy every app before starting any.
    let buildRoot: string | undefined = ROOT;
    if (config.cleanContext) {
      try { buildRoot = prepareCleanContext(workDir); } catch (error) {
        for (const app of selected) failApp(app.name, error instanceof Error ? error.message : String(error));
        buildRoot = undefined;
      }
    }
    const deployed: AppSpec[] = [];
    for (const app of buildRoot === undefined ? [] : selected) {
      if (app.needsStack && !stack) continue;
      const build = run('pnpm', ['turbo', 'run', 'build', '--filter', `@billing/${app.name}...`, '--output-logs=errors-only'], buildRoot);
      if (!build.ok) { failApp(app.name, `build failed\n${tail(build.output)}`); continue; }
      const deploy = run('pnpm', ['--filter', `@billing/${app.name}`, 'deploy', '--prod', join(workDir, app.name)], buildRoot);
      if (!deploy.ok) { failApp(app.name, `deploy failed\n${tail(deploy.output)}`); continue; }
      const prune = app.prune ? run('sh', [join(ROOT, app.prune), join(workDir, app.name)]) : undefined;
      if (prune && !prune.ok) { failApp(app.name, `${app.prune} failed\n${tail(prune.output)}`); continue; }
      const size = deploySize(join(workDir, app.name));
      results.get(app.name)!.notes.push(`deploy ${Math.round(size.bytes / 1e5) / 10} MB in ${size.files} files`);
      deployed.push(app);
    }

    // What the compose `migrate` one-shot runs, from the first deployed app that has @billing/db.
    const migrator = deployed.find((app) => app.needsStack);
    if (migrator && stack) {
      const migrate = spawnSync(process.execPath, ['node_modules/@billing/db/dist/migrate.js'], {
        cwd: join(workDir, migrator.name), env: { ...config.baseEnv, DATABASE_URL: stack.databaseUrl }, encoding: 'utf8',
      });
      if (migrate.status === 0) results.get(migrator.name)!.notes.push('migrations applied from this deploy');
      else {
        for (const app of deployed.filter((candidate) => candidate.needsStack)) {
          failApp(app.name, `migrate failed\n${tail(`${migrate.stdout}${migrate.stderr}`)}`);
        }
      }
    }

    // Phase 2, the runtime stage: start each app from its deploy folder, in compose order.
    for (const app of deployed) {
      if (!results.get(app.name)!.ok) continue;
      const out = join(workDir, app.name);
      const port = await freePort();
      ports[app.name] = port;
      // As the Dockerfile's CMD runs it (its Node flags, the tracing register module first), from the deploy folder.
      const command = imageCommand(ROOT, app.name);
      if (command[0] !== 'node' || command.at(-1) !== app.entry) throw new Error(`infra/Dockerfile.${app.name}: CMD ${JSON.stringify(command)} does not run node … ${app.entry}`);
      const child = spawn(process.execPath, command.slice(1), {
        cwd: out, env: { ...config.baseEnv, ...app.env(port, ports, stack, taskQueue) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      logs.set(app.name, '');
      const collect = (chunk: Buffer) => logs.set(app.name, (logs.get(app.name) ?? '') + chunk.toString());
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      children.set(app.name, child);

      const url = app.probe(port, running, stack);
      const health = await probeUntilHealthy(url, child);
      if (!health.ok) { failApp(app.name, `${url}: ${health.detail}\n${tail(logs.get(app.name) ?? '')}`); continue; }
      const what = app.name === 'worker' ? 'its Temporal: ' : '';
      results.get(app.name)!.notes.push(`${what}${health.detail.replace(/^healthy: /, '')} after ${Math.round(health.ms / 100) / 10} s`);
      if (app.name === 'worker' && stack) {
        const polling = await workerPolls(stack, taskQueue);
        if (!polling) { failApp(app.name, `no poller on task queue ${taskQueue} within 30 s\n${tail(logs.get(app.name) ?? '')}`); continue; }
        results.get(app.name)!.notes.push(polling);
      }
      running.add(app.name);
    }
  } finally {
    for (const [name, child] of [...children].reverse()) {
      const how = await stop(child);
      // Killed, or gone before we stopped it (crashed after its health passed): both fail.
      if (how.includes('killed') || how.startsWith('had already exited')) failApp(name, how);
      else if (results.get(name)?.ok) results.get(name)!.notes.push(how);
    }
    await stack?.stop();
    if (config.keep) console.log(`deploy folders kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }

  for (const result of results.values()) {
    const [first, ...rest] = result.notes;
    const status = result.ok ? (first?.startsWith('SKIPPED') ? 'SKIP' : 'PASS') : 'FAIL';
    console.log(`${status} ${result.app.padEnd(14)} ${first ?? ''}`);
    for (const note of rest) console.log(`     ${''.padEnd(14)} ${note}`);
  }
  return [...results.values()].every((result) => result.ok) ? 0 : 1;
}

process.exitCode = await main();
