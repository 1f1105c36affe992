// The outside tools the document tests use, fetched by the project itself into the shared tools
// cache (BILLING_TOOLS_DIR, as scripts/bootstrap.mjs does for its Go tools) and reused after:
// - poppler-utils (pdffonts, pdftotext, pdftoppm): Debian's packages, unpacked with `dpkg -x`
//   (no system install), run with their libraries on LD_LIBRARY_PATH;
// - the validators (phive's EN 16931 and Peppol BIS rules, veraPDF): resolved from Maven Central
//   with the machine's Maven into a repository inside the cache, and a small Java harness
//   (validator/Validate.java) compiled against them.
// Usage from a test: `const tools = ensureDocumentTools()`; or `node tools/tools.mjs` to fetch.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = process.env.BILLING_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform');

// Debian 12 (bookworm) package names; pdffonts and friends need libpoppler126 and what it links.
const POPPLER_PACKAGES = ['poppler-utils', 'libpoppler126', 'libopenjp2-7', 'liblcms2-2', 'libnspr4', 'libnss3', 'libtiff6',
  'libjpeg62-turbo', 'libpng16-16', 'libfreetype6', 'libfontconfig1', 'libcairo2', 'libwebp7', 'libdeflate0', 'libjbig0',
  'liblerc4', 'libpixman-1-0', 'libxcb-render0', 'libxcb-shm0', 'libxrender1'];

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}: ${result.stderr ?? ''}`);
  return result.stdout;
}

function log(message) {
  process.stderr.write(`[document-tools] ${message}\n`);
}

/** pdffonts, pdftotext and pdftoppm, unpacked from Debian's packages; returns how to run them. */
export function ensurePoppler() {
  const home = join(toolsDir, 'poppler-debian12');
  const bin = join(home, 'usr', 'bin');
  const lib = join(home, 'usr', 'lib', 'x86_64-linux-gnu');
  if (!existsSync(join(bin, 'pdffonts'))) {
    log(`fetching poppler-utils from Debian's packages into ${home}`);
    const work = mkdtempSync(join(tmpdir(), 'poppler-'));
    const staged = join(work, 'root');
    // One call for all (apt-get starts slowly); the library check below names anything missing.
    const fetched = spawnSync('apt-get', ['download', ...POPPLER_PACKAGES], { cwd: work, encoding: 'utf8' });
    if (fetched.status !== 0) log(`apt-get download failed: ${fetched.stderr.trim()}`);
    for (const deb of readdirSync(work).filter((file) => file.endsWith('.deb'))) run('dpkg', ['-x', join(work, deb), staged]);
    rmSync(home, { recursive: true, force: true });
    mkdirSync(dirname(home), { recursive: true });
    renameSync(staged, home);
    rmSync(work, { recursive: true, force: true });
  }
  const env = { ...process.env, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const missing = run('ldd', [join(bin, 'pdftoppm')], { env }).split('\n').filter((line) => line.includes('not found'));
  if (missing.length > 0) throw new Error(`poppler-utils cannot run, libraries missing:\n${missing.join('\n')}`);
  return { bin, env };
}

/** The validator harness: `java -cp <cp> Validate ubl|pdfa <files>`; returns the java command line prefix. */
export function ensureValidators() {
  const pom = readFileSync(join(here, 'validator', 'pom.xml'));
  const source = readFileSync(join(here, 'validator', 'Validate.java'));
  const key = createHash('sha256').update(pom).update(source).digest('hex').slice(0, 16);
  const home = join(toolsDir, `document-validators-${key}`);
  const classpathFile = join(home, 'classpath.txt');
  if (!existsSync(join(home, 'classes', 'Validate.class'))) {
    log(`resolving phive and veraPDF from Maven Central into ${toolsDir}/m2 (the first time takes a few minutes)`);
    mkdirSync(join(home, 'classes'), { recursive: true });
    copyFileSync(join(here, 'validator', 'pom.xml'), join(home, 'pom.xml'));
    run('mvn', ['-q', '-B', `-Dmaven.repo.local=${join(toolsDir, 'm2')}`, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
      { cwd: home, stdio: ['ignore', 'inherit', 'inherit'] });
    writeFileSync(join(home, 'Validate.java'), source);
    run('javac', ['-nowarn', '-d', join(home, 'classes'), '-cp', readFileSync(classpathFile, 'utf8').trim(), join(home, 'Validate.java')]);
  }
  const classpath = `${join(home, 'classes')}:${readFileSync(classpathFile, 'utf8').trim()}`;
  return { java: 'java', args: ['-Xshare:auto', '-XX:+UseSerialGC', '-cp', classpath, 'Validate'] };
}

export function ensureDocumentTools() {
  return { poppler: ensurePoppler(), validators: ensureValidators() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = ensureDocumentTools();
  log(`poppler: ${tools.poppler.bin}`);
  log(`validators: ${tools.validators.args.at(-2)?.split(':')[0]}`);
}
