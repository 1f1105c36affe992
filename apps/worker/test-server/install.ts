// Installs Temporal's Java test server (the time-skipping one the TypeScript SDK would download
// at run time, which this machine cannot) from Maven Central into the tools cache, once, and
// writes a launcher script that the SDK runs as an "existing-path" executable: the SDK calls it
// with `<port> --enable-time-skipping`. Idempotent; cached outside the clone, so fresh clones and
// CI runs on the same machine reuse it.
//
//   node --conditions=source apps/worker/test-server/install.ts      prints the launcher's path
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, isListening } from '@billing/devstack';
import { toolsDir } from './env.ts';

const run = promisify(execFile);
const POM = join(import.meta.dirname, 'pom.xml');

async function pinnedVersion(): Promise<string> {
  const pom = await readFile(POM, 'utf8');
  const match = /<temporal\.test\.server\.version>([^<]+)</.exec(pom);
  if (!match?.[1]) throw new Error(`no temporal.test.server.version in ${POM}`);
  return match[1];
}

/**
 * The SDK gives the server's JVM five seconds to listen, which loading its classes can take on a
 * busy two-core machine (about 6 s at a load of 10). A class-data-sharing archive of the classes a
 * start loads, and a JVM tuned for starting rather than for peak speed (C1 only, the serial
 * collector), bring that to about 1.5 s. The archive is made once, by starting the server with
 * `-XX:ArchiveClassesAtExit` and stopping it; a JVM that cannot use it ignores it and starts the slow way.
 * The launcher also raises the JVM's scheduling priority (`nice -n -10`): in a full CI run the
 * machine's load reaches 10 and more, and the five seconds are wall time. Where raising it is not
 * allowed (not root), `nice` says so on stderr and runs the JVM at the usual priority.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];

/** Returns the path of the launcher script, installing the server first when needed. */
export async function installTestServer(): Promise<string> {
  const version = await pinnedVersion();
  const home = join(toolsDir(), 'temporal-test-server', version);
  // Named by what it does, so that a tools cache with an older launcher gets this one.
  const fast = join(home, 'temporal-test-server-cds-nice');
  if (existsSync(fast)) return fast;
  await installServer(home);
  return await writeFastLauncher(home, fast);
}

async function writeFastLauncher(home: string, fast: string): Promise<string> {
  const archive = join(home, 'classes.jsa');
  const partialArchive = `${archive}.partial-${process.pid}`;
  const classpath = `${join(home, 'lib')}/*`;
  try {
    const port = await freePort();
    const jvm = spawn('java', [...JVM_OPTIONS, `-XX:ArchiveClassesAtExit=${partialArchive}`, '-cp', classpath, 'io.temporal.testserver.TestServer', String(port)], { stdio: 'ignore' });
    const exited = new Promise((resolveExit) => jvm.once('exit', resolveExit));
    const deadline = Date.now() + 120_000;
    while (!(await isListening(port))) {
      if (Date.now() > deadline || jvm.exitCode !== null) throw new Error('the test server did not start');
      await sleep(100);
    }
    jvm.kill('SIGTERM');
    await exited;
    if (!existsSync(partialArchive)) throw new Error('the JVM wrote no class archive');
    await rename(partialArchive, archive);
  } catch {
    await rm(partialArchive, { force: true });
  }
  const options = [...JVM_OPTIONS, ...(existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : [])].join(' ');
  const partialLauncher = `${fast}.partial-${process.pid}`;
  // `exec` so that stopping the launcher stops the JVM itself.
  await writeFile(partialLauncher, `#!/bin/sh\nexec nice -n -10 java ${options} -cp '${classpath}' io.temporal.testserver.TestServer "$@"\n`);
  await chmod(partialLauncher, 0o755);
  await rename(partialLauncher, fast);
  return fast;
}

/** The server's jars and the plain launcher, from Maven Central, unless already installed. */
async function installServer(home: string): Promise<void> {
  const launcher = join(home, 'temporal-test-server');
  if (existsSync(launcher)) return;

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
}

if (import.meta.main) {
  console.log(await installTestServer());
}
