// The outside tools the document tests use, fetched by the project itself into the shared tools
// cache (BILLING_TOOLS_DIR, as scripts/bootstrap.mjs does for its Go tools) and reused after:
// - poppler-utils (pdffonts, pdftotext, pdftoppm): Debian's packages, unpacked with `dpkg -x`
//   (no system install), run with their libraries on LD_LIBRARY_PATH;
// - chromium-headless-shell, which the HTML test drives with playwright-core: Debian's package and
//   the libraries it links that the machine lacks, unpacked the same way;
// - the validators (phive's EN 16931 and Peppol BIS rules, veraPDF): resolved from Maven Central
//   with the machine's Maven into a repository inside the cache, and a small Java harness
//   (validator/Validate.java) compiled against them.
// Usage from a test: `const tools = ensureDocumentTools()` (or one `ensure*`); `node tools/tools.mjs` fetches them all.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

// Debian 12's chromium-headless-shell (the browser without its UI), chromium-common (its ICU data
// and V8 snapshots) and the libraries it links that the machine's base system lacks, found with ldd
// on the unpacked binary (libnss3, libgbm1, libasound2 and the like are there already): 100 MB
// fetched, 290 MB unpacked. The check after unpacking names anything another machine lacks. Not pinned to a version: Debian's security
// archive keeps only the newest build; the versions fetched are recorded in the cache's stamp.
const CHROMIUM_PACKAGES = ['chromium-headless-shell', 'chromium-common', 'libdouble-conversion3', 'libflac12', 'libharfbuzz-subset0', 'libminizip1',
  'libopenh264-7', 'libopenjp2-7', 'libopus0', 'libpulse0', 'libxnvctrl0', 'libogg0', 'libsndfile1', 'libasyncns0', 'libmp3lame0',
  'libmpg123-0', 'libvorbis0a', 'libvorbisenc2'];

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}: ${result.stderr ?? ''}`);
  return result.stdout;
}

function log(message) {
  process.stderr.write(`[document-tools] ${message}\n`);
}

/**
 * Fetches Debian packages with `apt-get download` and unpacks them with `dpkg -x` into `home`, once:
 * the stamp file (the package versions) is written last, so a cache holding it costs no network.
 * Two test files may fetch at the same time on a fresh machine: each unpacks into a folder of its
 * own, and the one that comes second keeps the first one's folder.
 */
function ensureDebianPackages(home, packages) {
  const stamp = join(home, 'debian-packages.txt');
  if (existsSync(stamp)) return;
  log(`fetching ${packages[0]} from Debian's packages into ${home}`);
  const work = mkdtempSync(join(tmpdir(), 'debian-packages-'));
  // apt-get download writes into the current folder as the _apt user, who cannot enter a private one.
  chmodSync(work, 0o755);
  const staged = join(work, 'root');
  // One call for all (apt-get starts slowly); the library checks of the callers name anything missing.
  const download = () => spawnSync('apt-get', ['download', '-q', ...packages], { cwd: work, encoding: 'utf8' });
  let fetched = download();
  if (fetched.status !== 0 && process.getuid?.() === 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
    fetched = download();
  }
  if (fetched.status !== 0) log(`apt-get download failed: ${fetched.stderr.trim()}`);
  const debs = readdirSync(work).filter((file) => file.endsWith('.deb')).sort();
  for (const deb of debs) run('dpkg', ['-x', join(work, deb), staged]);
  const versions = debs.map((deb) => `${run('dpkg-deb', ['-f', join(work, deb), 'Package']).trim()} ${run('dpkg-deb', ['-f', join(work, deb), 'Version']).trim()}`);
  writeFileSync(join(staged, 'debian-packages.txt'), `${versions.join('\n')}\n`);
  // A folder without its stamp is a fetch that stopped half-way; one with it came from a fetch beside this one.
  if (!existsSync(stamp)) {
    rmSync(home, { recursive: true, force: true });
    mkdirSync(dirname(home), { recursive: true });
    try {
      renameSync(staged, home);
    } catch (error) {
      if (!existsSync(stamp)) throw error;
    }
  }
  rmSync(work, { recursive: true, force: true });
}

/** The lines of `ldd` (which follows the libraries' own dependencies too) naming a library the loader cannot find. */
function missingLibraries(binary, env) {
  return run('ldd', [binary], { env }).split('\n').filter((line) => line.includes('not found')).map((line) => line.trim());
}

/** pdffonts, pdftotext and pdftoppm, unpacked from Debian's packages; returns how to run them. */
export function ensurePoppler() {
  const home = join(toolsDir, 'poppler-debian12');
  const bin = join(home, 'usr', 'bin');
  const lib = join(home, 'usr', 'lib', 'x86_64-linux-gnu');
  // A cache unpacked before the stamp existed: the binaries are the mark.
  if (!existsSync(join(bin, 'pdffonts'))) ensureDebianPackages(home, POPPLER_PACKAGES);
  const env = { ...process.env, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const missing = missingLibraries(join(bin, 'pdftoppm'), env);
  if (missing.length > 0) throw new Error(`poppler-utils cannot run, libraries missing:\n${missing.join('\n')}`);
  return { bin, env };
}

/**
 * chromium-headless-shell and its missing libraries, unpacked from Debian's packages; returns the
 * browser binary and the environment to start it with (for playwright-core's `executablePath`
 * and `env`). The cache folder is named after the package list, so changing it fetches again.
 */
export function ensureChromium() {
  const key = createHash('sha256').update(CHROMIUM_PACKAGES.join(' ')).digest('hex').slice(0, 12);
  const home = join(toolsDir, `chromium-headless-shell-debian12-${key}`);
  ensureDebianPackages(home, CHROMIUM_PACKAGES);
  const executablePath = join(home, 'usr', 'lib', 'chromium', 'chromium-headless-shell');
  const lib = join(home, 'usr', 'lib', 'x86_64-linux-gnu');
  // libpulse finds its private libpulsecommon through a RUNPATH under /usr, which is not where it is.
  const libraryPath = [lib, join(lib, 'pulseaudio')];
  const env = { ...process.env, LD_LIBRARY_PATH: [...libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const missing = missingLibraries(executablePath, env);
  if (missing.length > 0) throw new Error(`chromium-headless-shell cannot run, libraries missing:\n${missing.join('\n')}`);
  const versions = readFileSync(join(home, 'debian-packages.txt'), 'utf8');
  const version = /^chromium-headless-shell (\S+)$/m.exec(versions)?.[1] ?? 'unknown';
  return { executablePath, env, version };
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
  // The client compiler only (C1): the harness runs once for a few dozen files, too short for C2's
  // optimised code to pay back the CPU its compiler threads spend (30 -> 13 s of CPU here, same findings).
  return { java: 'java', args: ['-Xshare:auto', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'Validate'] };
}

export function ensureDocumentTools() {
  return { poppler: ensurePoppler(), validators: ensureValidators() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = ensureDocumentTools();
  log(`poppler: ${tools.poppler.bin}`);
  log(`validators: ${tools.validators.args.at(-2)?.split(':')[0]}`);
  const chromium = ensureChromium();
  log(`chromium-headless-shell ${chromium.version}: ${chromium.executablePath}`);
}
