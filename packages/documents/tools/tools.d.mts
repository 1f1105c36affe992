export interface PopplerTools {
  /** The folder holding pdffonts, pdftotext and pdftoppm. */
  bin: string;
  /** The environment to run them with (their libraries on LD_LIBRARY_PATH). */
  env: NodeJS.ProcessEnv;
}
export interface ValidatorTools {
  java: string;
  /** JVM arguments up to the harness class; append `ubl FILE... -- pdfa FILE...`. */
  args: string[];
}
export interface ChromiumTools {
  /** The chromium-headless-shell binary, for playwright-core's `executablePath`. */
  executablePath: string;
  /** The environment to start it with (its libraries on LD_LIBRARY_PATH), for `env`. */
  env: NodeJS.ProcessEnv;
  /** The Debian package version fetched. */
  version: string;
}
export function ensurePoppler(): PopplerTools;
export function ensureChromium(): ChromiumTools;
export function ensureValidators(): ValidatorTools;
export function ensureDocumentTools(): { poppler: PopplerTools; validators: ValidatorTools };
