// What an app's image runs: the exec-form CMD of the last stage of `infra/Dockerfile.<app>`. Read
// by devstack (an app started from source gets the image's Node flags) and by the deploy check
// (which starts the deployed app with that exact command); no dependency beyond Node, so the
// check can import it straight from here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The image's CMD as an argument list (`["node", …, "dist/main.js"]`). */
export function imageCommand(repoRoot: string, app: string): string[] {
  const commands = readFileSync(join(repoRoot, 'infra', `Dockerfile.${app}`), 'utf8').split('\n').filter((line) => line.startsWith('CMD ['));
  const last = commands.at(-1);
  if (last === undefined) throw new Error(`infra/Dockerfile.${app} has no exec-form CMD`);
  return JSON.parse(last.slice('CMD '.length)) as string[];
}

/** The flags the CMD gives Node before its first `--import` or the entry point. */
export function imageNodeFlags(repoRoot: string, app: string): string[] {
  const flags = [];
  for (const arg of imageCommand(repoRoot, app).slice(1)) {
    if (arg === '--import' || !arg.startsWith('--')) break;
    flags.push(arg);
  }
  return flags;
}
