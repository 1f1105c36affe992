// Installs Temporal's Java test server (the time-skipping one the TypeScript SDK would download
// at run time, which this machine cannot) from Maven Central into the tools cache, once, and
// writes a launcher script that the SDK runs as an "existing-path" executable: the SDK calls it
// with `<port> --enable-time-skipping`. Idempotent; cached outside the clone, so fresh clones and
// CI runs on the same machine reuse it.
//
//   node apps/worker/test-server/install.ts      prints the launcher's path
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from './env.ts';

const run = promisify(execFile);
const POM = join(import.meta.dirname, 'pom.xml');

async function pinnedVersion(): Promise<string> {
  const pom = await readFile(POM, 'utf8');
  const match = /<temporal\.test\.server\.version>([^<]+)</.exec(pom);
  if (!match?.[1]) throw new Error(`no temporal.test.server.version in ${POM}`);
  return match[1];
}

/** Returns the path of the launcher script, installing the server first when needed. */
export async function installTestServer(): Promise<string> {
  const version = await pinnedVersion();
  const home = join(toolsDir(), 'temporal-test-server', version);
  const launcher = join(home, 'temporal-test-server');
  if (existsSync(launcher)) return launcher;

  const staging = `${home}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await run('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime',
    `-DoutputDirectory=${join(staging, 'lib')}`], { maxBuffer: 16 * 1024 * 1024 });
  // `exec` so that stopping the launcher stops the JVM itself.
  await writeFile(join(staging, 'temporal-test-server'),
    `#!/bin/sh\nexec java -cp '${join(home, 'lib')}/*' io.temporal.testserver.TestServer "$@"\n`);
  await chmod(join(staging, 'temporal-test-server'), 0o755);
  // Rename last, so a half-finished install is never mistaken for a complete one.
  await rm(home, { recursive: true, force: true });
  await rename(staging, home);
  return launcher;
}

if (import.meta.main) {
  console.log(await installTestServer());
}
