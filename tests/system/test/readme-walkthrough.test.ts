import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startStack, toolPath, type Stack } from '@billing/devstack';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BashSession, type CommandResult } from './bash-session.ts';
import { expectationPattern, PLACEHOLDER, readWalkthrough, squeeze, type WalkthroughCommand } from './readme-walkthrough.ts';

// The README's walk-through, run as a new user runs it after `npm start`: every command of it, in
// order, in one real bash, with the real curl, temporal CLI and grpcurl, against a fresh stack of
// its own (so the README's customers start with nothing). The README's conventions for commands,
// answers and placeholders are in its walk-through and in readme-walkthrough.ts. The only changes
// made to a command are its ports (this stack's free ones instead of 3000, 50051, 50052 and the
// webhook receiver's 4000) and its placeholders, filled from earlier answers. `.data/` holds the
// stack's admin key and service credential, as under `npm start`; the temporal CLI finds the
// stack's Temporal through TEMPORAL_ADDRESS.

const README = resolve(import.meta.dirname, '../../../README.md');
/** How long an answer that moves on by itself (a delivery, the search index) may take to show. */
const SETTLE_MS = 20_000;

let stack: Stack;
let work: string;
let session: BashSession;
let ports: Record<string, number>;
const output: string[] = [];

beforeAll(async () => {
  // What `npm start` gives the apps: loopback webhook receivers allowed, everything else default.
  stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, print: (line) => output.push(line) });
  work = await mkdtemp(join(tmpdir(), 'readme-walkthrough-'));
  await mkdir(join(work, '.data'));
  await writeFile(join(work, '.data', 'admin-api-key'), stack.adminApiKey, { mode: 0o600 });
  await writeFile(join(work, '.data', 'service-token'), stack.serviceToken, { mode: 0o600 });
  // Every curl also writes its status to stderr, where the test reads it; stdout is left as is.
  await writeFile(join(work, '.curlrc'), 'write-out = "%{stderr}HTTP %{http_code}\\n"\n');
  await mkdir(join(work, 'out'));
  ports = {
    3000: Number(new URL(stack.gatewayUrl).port),
    50051: Number(new URL(stack.billServiceUrl).port),
    50052: Number(new URL(stack.ratesServiceUrl).port),
    4000: await freePort(),
  };
  session = new BashSession({
    cwd: work,
    outputDir: join(work, 'out'),
    env: {
      ...process.env,
      PATH: [dirname(toolPath('temporal')), dirname(toolPath('grpcurl')), dirname(process.execPath), process.env.PATH].join(delimiter),
      CURL_HOME: work,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
    },
  });
}, 180_000);

afterAll(async () => {
  session?.stop();
  await stack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** This stack's ports in place of the README's fixed ones. */
function withPorts(text: string): string {
  return text.replace(/\b(localhost|127\.0\.0\.1):(3000|50051|50052|4000)\b/g, (_all, host: string, port: string) => `${host}:${ports[port]}`)
    .replace(/listen\(4000\b/g, `listen(${ports[4000]}`);
}

/** A read that may be repeated until it shows what the README says: a GET, or a Temporal query. */
function isRead(text: string): boolean {
  if (/^temporal workflow list\b/.test(text.trim())) return true;
  return /\bcurl\b/.test(text) && !/\s-X\s|\s-d\s/.test(text);
}

function statusesOf(result: CommandResult): number[] {
  return [...result.stderr.matchAll(/^HTTP (\d{3})$/gm)].map((match) => Number(match[1]));
}

/** What is wrong with a command's result, or undefined when it is what the README says. */
function problemWith(command: WalkthroughCommand, result: CommandResult): string | undefined {
  if (!command.untilInterrupted && result.exitCode !== 0) return `exited with ${result.exitCode}: ${result.stderr.slice(0, 500)}`;
  const statuses = statusesOf(result);
  if (/\bcurl\b/.test(command.text) && !command.untilInterrupted && statuses.length === 0) return 'no curl in it answered';
  const wrong = statuses.filter((status) => (command.statuses.length > 0 ? !command.statuses.includes(status) : status < 200 || status > 299));
  if (wrong.length > 0) return `answered HTTP ${wrong.join(', ')} (expected ${command.statuses.join(', ') || '2xx'}): ${result.stdout.slice(0, 500)}`;
  if (command.expectation !== undefined && !expectationPattern(command.expectation).pattern.test(squeeze(result.stdout))) {
    return `answered ${result.stdout.slice(0, 3000)}\nnot what the README shows:\n${command.expectation}`;
  }
  return undefined;
}

it('runs every command of the README walk-through as written, each answering what the README shows', async () => {
  const commands = readWalkthrough(README);
  // The walk-through covers bills, mandates, the ledger, events, webhooks, API keys and grpcurl.
  expect(commands.length).toBeGreaterThan(40);
  const filled = new Map<string, string>();
  for (const command of commands) {
    const text = withPorts(command.text).replace(PLACEHOLDER, (placeholder) => {
      const value = filled.get(placeholder);
      if (!value) throw new Error(`README line ${command.line}: no earlier answer shows ${placeholder}`);
      return value;
    });
    // The answer shows the README's ports too (a webhook endpoint's URL).
    const shown = command.expectation === undefined ? undefined : withPorts(command.expectation);
    const check = { ...command, expectation: shown };
    const settleUntil = Date.now() + SETTLE_MS;
    let result: CommandResult;
    let problem: string | undefined;
    for (;;) {
      result = command.untilInterrupted
        ? await session.runUntil(text, (stdout) => problemWith(check, { exitCode: 0, stdout, stderr: '' }) === undefined)
        : await session.run(text);
      problem = problemWith(check, result);
      if (!problem || !isRead(command.text) || Date.now() > settleUntil) break;
      await sleep(500);
    }
    expect(problem, `README line ${command.line}: ${command.text}`).toBeUndefined();
    if (shown !== undefined) {
      const { pattern, placeholders } = expectationPattern(shown);
      const match = pattern.exec(squeeze(result.stdout));
      // The first place an answer shows a placeholder is the one it stands for.
      const seen = new Set<string>();
      placeholders.forEach((placeholder, index) => {
        const value = match?.[index + 1];
        if (value && !seen.has(placeholder)) filled.set(placeholder, value);
        seen.add(placeholder);
      });
    }
  }
}, 600_000);
