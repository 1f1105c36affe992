#!/usr/bin/env node
// Adds up what `npm test` ran: every workspace package's vitest run (each writes
// `.test-results/vitest.json` through the shared vitest config) and the contract fuzz
// (`.test-results/contract-fuzz.json`). Prints one line per suite and a closing total,
// and exits non-zero when anything failed or a suite that should have reported did not.
//
// `--clear` removes the previous results instead, so a suite that crashes before writing
// its report is counted as failed rather than passing on stale numbers.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = '.test-results';

/** Workspace packages whose `test` script runs vitest (directly, or through a script of theirs next to a vitest config). */
function vitestPackages() {
  const found = [];
  for (const group of ['apps', 'packages', 'tests']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir)) {
      const manifest = join(groupDir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name: packageName, scripts = {} } = JSON.parse(readFileSync(manifest, 'utf8'));
      const runsVitest = /\bvitest\b/.test(scripts.test ?? '') || (scripts.test !== undefined && existsSync(join(groupDir, name, 'vitest.config.ts')));
      if (runsVitest) found.push({ name: packageName, dir: join(groupDir, name) });
    }
  }
  return found;
}

function clear() {
  for (const { dir } of vitestPackages()) rmSync(join(dir, RESULTS), { recursive: true, force: true });
  rmSync(join(root, RESULTS), { recursive: true, force: true });
}

/** One entry per failed test or failed file of a vitest JSON report: where, which, and the first lines of why. */
function whatFailed(report) {
  const out = [];
  const firstLines = (text) => stripVTControlCharacters(String(text ?? '')).split('\n').filter((line) => line.trim() !== '').slice(0, 12).map((line) => `    ${line}`).join('\n');
  for (const file of report.testResults ?? []) {
    const where = relative(root, file.name ?? '');
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) out.push(`${where} > ${test.fullName ?? test.title}\n${firstLines((test.failureMessages ?? []).join('\n'))}`);
    if (failedTests.length === 0 && file.status === 'failed') out.push(`${where} (the file itself)\n${firstLines(file.message)}`);
  }
  return out;
}

function summarize() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const lines = [];
  const failures = [];
  let missing = 0;
  for (const { name, dir } of vitestPackages()) {
    const file = join(dir, RESULTS, 'vitest.json');
    if (!existsSync(file)) {
      missing += 1;
      lines.push(`${name}: no report (${relative(root, file)}); counted as failed`);
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const passed = report.numPassedTests ?? 0;
    // A file that fails to load has no tests to count: count it as one failure.
    const inTests = (report.numFailedTests ?? 0) + (report.numFailedTestSuites && !report.numFailedTests ? report.numFailedTestSuites : 0);
    // A run that failed outside its tests (its global set-up, an unhandled error) fails nothing it counts: count it as one.
    const failed = inTests === 0 && report.success === false ? 1 : inTests;
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    totals.passed += passed;
    totals.failed += failed;
    totals.skipped += skipped;
    lines.push(`${name}: ${passed} passed, ${failed} failed, ${skipped} skipped in ${report.numTotalTestSuites ?? "?"} suites`);
    if (failed > 0) failures.push(...whatFailed(report));
  }
  const fuzzFile = join(root, RESULTS, 'contract-fuzz.json');
  if (existsSync(fuzzFile)) {
    const fuzz = JSON.parse(readFileSync(fuzzFile, 'utf8'));
    const failed = fuzz.failures + fuzz.errors + (fuzz.exitCode === 0 ? 0 : 1);
    totals.passed += fuzz.passed;
    totals.failed += failed;
    totals.skipped += fuzz.skipped;
    lines.push(`contract fuzz: ${fuzz.passed} passed, ${failed} failed, ${fuzz.skipped} skipped over ${fuzz.operations} operations`);
  } else {
    missing += 1;
    lines.push(`contract fuzz: no report (${relative(root, fuzzFile)}); counted as failed`);
  }
  totals.failed += missing;
  process.stdout.write(`\n--- test summary ---\n${lines.join('\n')}\n`);
  // A CI log is often read from its tail only: what failed, and how, is repeated here.
  if (failures.length > 0) process.stdout.write(`\n--- what failed ---\n${failures.join('\n')}\n`);
  process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  return totals.failed === 0 ? 0 : 1;
}

if (process.argv.includes('--clear')) clear();
else process.exitCode = summarize();
