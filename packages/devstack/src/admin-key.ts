import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newAdminApiKey } from './stack.ts';

export interface KeptSecret {
  key: string;
  /** Where it is kept; absent when it came from the environment. */
  file?: string;
}

/**
 * A secret `npm start` needs across restarts: the environment's value when set; otherwise the one
 * kept in `<dataDir>/<name>`, made once (owner-only, 0600) so it survives restarts and the
 * README's walk-through can read it with `cat`.
 */
async function keptSecret(dataDir: string, name: string, fromEnv: string | undefined, make: () => string): Promise<KeptSecret> {
  if (fromEnv !== undefined) return { key: fromEnv };
  const file = join(dataDir, name);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters): delete it to have a new one made`);
    // A copy restored from a backup may have lost its mode; the value is a secret either way.
    await chmod(file, 0o600);
    return { key: kept, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = make();
  // 'wx': never overwrite a secret another start wrote meanwhile.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, file };
}

/** The platform key (`BILLING_ADMIN_API_KEY`), kept in `.data/admin-api-key`. */
export function adminKeyFor(dataDir: string, fromEnv: string | undefined): Promise<KeptSecret> {
  return keptSecret(dataDir, 'admin-api-key', fromEnv, newAdminApiKey);
}

/** The services' shared secret (`BILLING_SERVICE_TOKEN`), kept in `.data/service-token` for grpcurl. */
export function serviceTokenFor(dataDir: string, fromEnv: string | undefined): Promise<KeptSecret> {
  return keptSecret(dataDir, 'service-token', fromEnv, () => randomBytes(32).toString('base64url'));
}
