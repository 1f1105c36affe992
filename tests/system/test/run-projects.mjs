#!/usr/bin/env node
// `pnpm test` of the system tests: the shared-stack project and the chaos-stack project (see
// vitest.config.ts) run at the same time, as two vitest processes, each one file at a time. Plain
// `vitest run` would run the two projects one after the other. Their reports are added up into
// `.test-results/vitest.json`, which is written only when both runs reported, so a run that dies
// before reporting is counted as failed (scripts/test-summary.mjs).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(packageDir, '.test-results');
const PROJECTS = ['shared-stack', 'chaos-stack'];
const COUNTS = ['numTotalTestSuites', 'numPassedTestSuites', 'numFailedTestSuites', 'numPendingTestSuites',
  'numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'];

const reportOf = (project) => join(resultsDir, `vitest-${project}.json`);
rmSync(join(resultsDir, 'vitest.json'), { force: true });
for (const project of PROJECTS) rmSync(reportOf(project), { force: true });
mkdirSync(resultsDir, { recursive: true });

function runProject(project) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(packageDir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', project, ...process.argv.slice(2)], {
      cwd: packageDir,
      stdio: 'inherit',
      env: { ...process.env, TEST_REPORT_FILE: reportOf(project) },
    });
    child.once('exit', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

const codes = await Promise.all(PROJECTS.map(runProject));
const reports = PROJECTS.map(reportOf).filter((file) => existsSync(file)).map((file) => JSON.parse(readFileSync(file, 'utf8')));
if (reports.length === PROJECTS.length) {
  const combined = { success: reports.every((report) => report.success), testResults: reports.flatMap((report) => report.testResults ?? []) };
  for (const count of COUNTS) combined[count] = reports.reduce((sum, report) => sum + (report[count] ?? 0), 0);
  writeFileSync(join(resultsDir, 'vitest.json'), JSON.stringify(combined));
}
process.exitCode = codes.every((code) => code === 0) && reports.length === PROJECTS.length ? 0 : 1;
