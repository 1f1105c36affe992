// The contract fuzz: schemathesis against a whole stack this script starts itself (PostgreSQL,
// Temporal, the four apps, all on free ports), reading the gateway's own /openapi.json. It fails
// when a response breaks the document (an undocumented status, content type or body shape), a
// 5xx, a request the document calls valid refused or one it calls invalid accepted, or an
// undeclared method answered with anything but 405 and Allow.
//
//   node --conditions=source scripts/contract-fuzz/run.ts      (the last step of `npm test`)
//
// Schemathesis is pinned in scripts/toolchain.json and installed on first use into a venv in the
// tools cache (python3 -m venv + pip). A fixed seed and a bounded number of examples per operation
// make every run send the same requests. hooks.py holds the rules no JSON Schema can state.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startStack } from '../../packages/devstack/src/index.ts';
import { CURRENCY_CODES, DEFAULT_UNITS, currency } from '../../packages/money/src/index.ts';

// --- configuration: the only place that reads the environment --------------------------------
const ROOT = resolve(import.meta.dirname, '../..');
const pins = JSON.parse(readFileSync(join(ROOT, 'scripts', 'toolchain.json'), 'utf8')) as { schemathesis: string };
const config = {
  toolsDir: process.env.BILLING_TOOLS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform'),
  python: process.env.PYTHON ?? 'python3',
  seed: Number(process.env.CONTRACT_FUZZ_SEED ?? 20_250_901),
  /**
   * Per operation and phase; with the coverage phase's own cases this bounds the run. 12 keeps the
   * fuzz, the longest step of `npm test`, inside the CI budget on two cores (about 60 % of its time
   * is the fuzzing phase, which grows with this); a deeper run is `CONTRACT_FUZZ_EXAMPLES=50`.
   */
  maxExamples: Number(process.env.CONTRACT_FUZZ_EXAMPLES ?? 12),
  environment: process.env,
};

const CHECKS = [
  'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance',
  'negative_data_rejection', 'positive_data_acceptance', 'unsupported_method',
  // An operation that declares the bearer scheme must refuse a request without a key or with a wrong one.
  'ignored_auth',
  // hooks.py: the event stream's messages against the schema the document declares for them.
  'event_stream_conformance',
];

const print = (line: string) => process.stdout.write(`${line}\n`);
/** Schemathesis closes like pytest: `==== 2 passed, 1 warning in 40.74s ====`. */
const PYTEST_FOOTER = /^=+ .* in [\d.]+s =+$/;

/**
 * The pinned schemathesis in its own venv, installed once. A venv cannot be moved once made, so it
 * is made in place and marked complete only after pip succeeded; a half-made one is started over.
 */
function ensureSchemathesis(): string {
  const venv = join(config.toolsDir, `schemathesis-${pins.schemathesis}`);
  const bin = join(venv, 'bin', 'schemathesis');
  const done = join(venv, '.installed');
  if (existsSync(done)) return bin;
  print(`contract fuzz: installing schemathesis ${pins.schemathesis} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(config.toolsDir, { recursive: true });
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) {
      rmSync(venv, { recursive: true, force: true });
      throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}); ` +
        'the contract fuzz needs python3 with its venv module, and PyPI');
    }
  };
  run(config.python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${pins.schemathesis}`]);
  writeFileSync(done, `${pins.schemathesis}\n`);
  return bin;
}

interface Report {
  running_time: number;
  operations: { selected: number; tested: number };
  test_cases: { generated: number; with_failures: number; unique_failures: number; without_checks: number; errored: number };
  errors: unknown[];
}

async function main(): Promise<number> {
  const began = Date.now();
  const schemathesis = ensureSchemathesis();
  const stackLog: string[] = [];
  // The fuzz sends every request with the admin key, far more than a minute's default allowance.
  // Webhook URLs are drawn onto loopback (hooks.py), which only a stack allowing private URLs takes.
  const stack = await startStack({
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    print: (line) => stackLog.push(line),
  });
  const authorization = `Bearer ${stack.adminApiKey}`;
  const stackSeconds = Math.round((Date.now() - began) / 1000);
  const work = mkdtempSync(join(tmpdir(), 'contract-fuzz-'));
  try {
    const rates = (await (await fetch(`${stack.gatewayUrl}/v1/rates`, { headers: { authorization } })).json()) as { base: string; rates: Record<string, string> };
    const exponents = Object.fromEntries(CURRENCY_CODES.map((code) => [code, currency(code).exponent]));
    // The stack runs with the default unit registry.
    const units = Object.fromEntries([...DEFAULT_UNITS.units].map(([code, unit]) => [code, unit.exponent]));
    const reportPath = join(work, 'report.json');
    const args = [
      // Fills the examples phase for every operation, so hooks.py derives its control-character cases from it.
      '--config-file', join(ROOT, 'scripts', 'contract-fuzz', 'schemathesis.toml'),
      'run', `${stack.gatewayUrl}/openapi.json`,
      '--url', stack.gatewayUrl,
      // Every operation runs as a platform key; who may call what is tested from the same document by the gateway's own tests.
      '--header', `Authorization: ${authorization}`,
      '--checks', CHECKS.join(','),
      // The event stream never ends by design, so every valid request would run into the request
      // timeout: hooks.py's event_stream_conformance reads it once the run is done and checks each
      // message against the document; framing, resume and refusals are tests/system/test/events.test.ts's.
      '--exclude-operation-id', 'streamEvents',
      '--seed', String(config.seed),
      '--max-examples', String(config.maxExamples),
      // One worker: the runs stay reproducible, and two cores are busy enough with the stack.
      '--workers', '1',
      '--generation-database', 'none',
      '--request-timeout', '30',
      '--no-color',
      '--report', 'json', '--report-json-path', reportPath,
    ];
    const exitCode = await new Promise<number>((resolveRun, reject) => {
      const child = spawn(schemathesis, args, {
        cwd: work,
        // Its output is passed through less pytest's closing footer ("=== 1 warning in 40s ==="):
        // CI reads a pytest footer without a passed count as a run that executed no test, and this
        // run's own counts end `npm test` instead (scripts/test-summary.mjs).
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...config.environment,
          PYTHONPATH: join(ROOT, 'scripts', 'contract-fuzz'),
          SCHEMATHESIS_HOOKS: 'hooks',
          CONTRACT_FUZZ_URL: stack.gatewayUrl,
          CONTRACT_FUZZ_AUTHORIZATION: authorization,
          CONTRACT_FUZZ_PUBLISHED: [rates.base, ...Object.keys(rates.rates)].join(','),
          CONTRACT_FUZZ_EXPONENTS: JSON.stringify(exponents),
          CONTRACT_FUZZ_UNITS: JSON.stringify(units),
        },
      });
      child.once('error', reject);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!PYTEST_FOOTER.test(line)) print(line);
      });
      child.once('close', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
    });
    if (!existsSync(reportPath)) {
      print(`contract fuzz: schemathesis exited with ${exitCode} and wrote no report`);
      return exitCode || 1;
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    if (exitCode !== 0) {
      // A 5xx is logged by the app that failed, at error level, often long before the run ends.
      const errors = stackLog.filter((line) => /"level":(50|60)\b|\[ERROR\]/.test(line));
      print(`--- the stack's error lines (${errors.length}) ---\n${errors.slice(-40).join('\n')}`);
      print(`--- last lines of the stack's log ---\n${stackLog.slice(-20).join('\n')}`);
    }
    const seconds = Math.round((Date.now() - began) / 1000);
    print(
      `contract fuzz: ${report.test_cases.generated} requests generated over ${report.operations.tested}/` +
      `${report.operations.selected} operations, ${report.test_cases.unique_failures} failures, ${report.errors.length} errors ` +
      `(schemathesis ${pins.schemathesis}, seed ${config.seed}, ${config.maxExamples} examples; ${seconds} s, ` +
      `${stackSeconds} s of it starting the stack)`,
    );
    // Added up with the vitest suites into the closing line of `npm test` (scripts/test-summary.mjs).
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    writeFileSync(join(ROOT, '.test-results', 'contract-fuzz.json'), `${JSON.stringify({
      exitCode,
      operations: report.operations.tested,
      passed: report.test_cases.generated - report.test_cases.with_failures - report.test_cases.errored,
      failures: report.test_cases.with_failures,
      errors: report.test_cases.errored + report.errors.length,
      skipped: report.test_cases.without_checks,
    })}\n`);
    return exitCode;
  } finally {
    rmSync(work, { recursive: true, force: true });
    await stack.stop();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  print(`contract fuzz: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
